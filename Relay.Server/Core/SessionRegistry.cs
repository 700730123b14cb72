using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// Who is online, and routing. One lock orders registrations, presence and fan-out, so a new session
/// either sees a message live or finds it in its replay range, never both and never neither. Presence changes
/// wait to be announced together (<see cref="PresenceAnnouncer"/>), and always before the messages routed after them.
/// </summary>
public sealed class SessionRegistry(TimeProvider clock, IOptions<RelayOptions> options)
{
    private static readonly RelayError Replaced = new()
    {
        Code = ErrorCodes.SessionReplaced,
        Message = "Another connection signed in as this agent.",
        Recoverable = false,
    };

    private readonly Lock _gate = new();
    private readonly Dictionary<string, AgentState> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RelaySession> _online = new(StringComparer.Ordinal);
    // The ids of _agents in order, so the agent list is read in pages.
    private readonly SortedSet<string> _ids = new(StringComparer.Ordinal);
    private readonly PendingPresence _presence = new();
    private readonly Channel<bool> _presenceChanged = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private long _lastDispatchedSeq;
    private long _stamp;
    // Set by CloseAll: a session registering after it is closed at once, as the ones it closed were.
    private RelayError? _closedWith;

    /// <summary>Loads what the store remembers; every agent starts offline.</summary>
    public void Initialize(IEnumerable<AgentRecord> known, long lastSeq)
    {
        lock (_gate)
        {
            _lastDispatchedSeq = lastSeq;
            foreach (var r in known)
            {
                _ids.Add(r.Id);
                _agents[r.Id] = new AgentState(r.Id)
                {
                    Cursor = r.Cursor,
                    StoredCursor = r.Cursor,
                    BroadcastsFloor = r.BroadcastsFloor,
                    LastSeen = r.LastSeen,
                    Protocol = r.Protocol,
                    Metadata = ParseMetadata(r.Metadata),
                    HasConnectedBefore = true,
                    Dirty = r.Status != PresenceStatus.Offline,
                };
            }
        }
    }

    public int OnlineCount
    {
        get { lock (_gate) return _online.Count; }
    }

    public bool IsOnline(string agentId)
    {
        lock (_gate) return _online.ContainsKey(agentId);
    }

    /// <summary>
    /// Makes <paramref name="session"/> the agent's live session, closing any earlier one, and tells everyone else.
    /// <paramref name="resumeFrom"/> (a seq the client already has) overrides the stored cursor; without one,
    /// <paramref name="fromLastStart"/> replays again what the agent's last connection was owed when it began, for a
    /// client that received nothing on it (unknown after a restart: then the stored cursor counts). Who else is
    /// online is listed only when <paramref name="listOthersOnline"/>: with thousands online, a door that does not
    /// announce them would otherwise build that list on every join for nothing.
    /// </summary>
    public Registration Register(RelaySession session, long? resumeFrom, bool listOthersOnline = true, bool fromLastStart = false)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (!_agents.TryGetValue(session.AgentId, out var state))
            {
                state = new AgentState(session.AgentId);
                _agents[session.AgentId] = state;
                _ids.Add(session.AgentId);
            }

            if (state.Session is { } previous)
            {
                state.Cursor = Math.Max(state.Cursor, previous.ConfirmedSeq);
                state.FirstNotStarted &= !previous.ReplayStarted;
                previous.Close(Replaced, drain: false);
            }

            // A brand-new agent gets the directs that waited for it, and broadcasts from now on. One that names a resume
            // point already has the broadcasts up to it: stored as its floor, a later connection without one (after a
            // crash, before this one's cursor was written) is not replayed the bus from its start.
            var broadcastsFloor = state.HasConnectedBefore ? state.BroadcastsFloor : _lastDispatchedSeq;
            if (!state.HasConnectedBefore)
            {
                state.BroadcastsFloor = resumeFrom is { } claimed ? Math.Min(claimed, broadcastsFloor) : broadcastsFloor;
            }
            var owed = new BacklogRange(session.AgentId, state.Cursor, Math.Max(state.Cursor, broadcastsFloor), _lastDispatchedSeq);
            var range = owed;
            if (resumeFrom is { } resume)
            {
                // A resume point below where the agent's broadcasts start (the last seq it had may be a direct that
                // waited for it) asks again for its directs, not for the bus from before it came.
                range = new BacklogRange(session.AgentId, resume, Math.Max(resume, state.BroadcastsFloor), _lastDispatchedSeq);
            }
            else if (fromLastStart && state.LastStart is { } lastStart)
            {
                range = lastStart with { UpTo = _lastDispatchedSeq };
            }
            else
            {
                state.LastStart = owed;
            }

            state.Session = session;
            session.RegistrationStamp = ++_stamp;
            state.LastSeen = now;
            state.Protocol = session.Protocol;
            state.Metadata = session.Metadata;
            state.Dirty = true;
            var first = !state.HasConnectedBefore || state.FirstNotStarted;
            var resumed = !first || resumeFrom is not null;
            state.HasConnectedBefore = true;
            state.FirstNotStarted = first && resumeFrom is null;
            _online[session.AgentId] = session;

            var others = new List<PresenceEvent>(listOthersOnline ? _online.Count : 0);
            if (listOthersOnline)
            {
                foreach (var other in _online.Values)
                {
                    if (!ReferenceEquals(other, session))
                    {
                        others.Add(PresenceOf(_agents[other.AgentId], PresenceStatus.Online));
                    }
                }
            }
            QueuePresence(state, PresenceStatus.Online);
            if (_closedWith is { } reason)
            {
                session.Close(reason, drain: false);
            }
            return new Registration(others, range, resumed, owed, first, _online.Count);
        }
    }

    /// <summary>Takes the agent offline if <paramref name="session"/> is still its live session.</summary>
    public bool Unregister(RelaySession session)
    {
        lock (_gate)
        {
            if (!_agents.TryGetValue(session.AgentId, out var state) || !ReferenceEquals(state.Session, session))
            {
                return false;
            }
            state.Session = null;
            state.Cursor = Math.Max(state.Cursor, session.ConfirmedSeq);
            state.FirstNotStarted &= !session.ReplayStarted;
            state.LastSeen = clock.GetUtcNow();
            state.Dirty = true;
            _online.Remove(session.AgentId);
            QueuePresence(state, PresenceStatus.Offline);
            return true;
        }
    }

    /// <summary>Records activity (a heartbeat or any frame) from the agent.</summary>
    public void Touch(RelaySession session)
    {
        session.Touch();
        lock (_gate)
        {
            if (_agents.TryGetValue(session.AgentId, out var state) && ReferenceEquals(state.Session, session))
            {
                state.LastSeen = clock.GetUtcNow();
            }
        }
    }

    /// <summary>Replaces the agent's metadata and tells everyone else.</summary>
    public void Announce(RelaySession session, JsonElement? metadata)
    {
        AgentMetadata.Check(metadata, options.Value.Limits.MaxMetadataBytes);
        lock (_gate)
        {
            session.Metadata = metadata;
            if (_agents.TryGetValue(session.AgentId, out var state) && ReferenceEquals(state.Session, session))
            {
                state.Metadata = metadata;
                // Dated now, as a heartbeat would be: the announcement is news, not a repeat of the join.
                state.LastSeen = clock.GetUtcNow();
                state.Dirty = true;
                QueuePresence(state, PresenceStatus.Online);
            }
        }
    }

    /// <summary>Completes when a presence change waits to be announced.</summary>
    public ValueTask<bool> WaitForPresenceChangesAsync(CancellationToken ct) => _presenceChanged.Reader.WaitToReadAsync(ct);

    /// <summary>
    /// Queues the oldest presence changes not announced yet, at most <paramref name="max"/>, to the sessions that
    /// should hear them; returns how many sessions are online.
    /// </summary>
    public int AnnouncePresence(int max)
    {
        lock (_gate)
        {
            _presenceChanged.Reader.TryRead(out _);
            _presence.FanOut(_online.Values, max);
            if (!_presence.IsEmpty)
            {
                _presenceChanged.Writer.TryWrite(true);
            }
            return _online.Count;
        }
    }

    /// <summary>Routes committed messages, in seq order, to the queues of the sessions that should see them.</summary>
    public void Dispatch(IReadOnlyList<Envelope> committed)
    {
        lock (_gate)
        {
            // A receiver hears of every presence change before the messages routed after it.
            while (!_presence.IsEmpty)
            {
                _presence.FanOut(_online.Values, PresenceAnnouncer.MaxPerAnnouncement);
            }
            foreach (var envelope in committed)
            {
                var item = new EnvelopeOut(envelope);
                if (envelope.To is null)
                {
                    Broadcast(item, except: envelope.From);
                }
                else if (_online.TryGetValue(envelope.To, out var target))
                {
                    target.Enqueue(item);
                }
                _lastDispatchedSeq = Math.Max(_lastDispatchedSeq, envelope.Seq);
            }
        }
    }

    /// <summary>
    /// Closes every live session after what is queued for it (shutdown), and every session that registers later at
    /// once; returns the live ones.
    /// </summary>
    public IReadOnlyList<RelaySession> CloseAll(RelayError reason, TimeSpan drainFor)
    {
        List<RelaySession> sessions;
        lock (_gate)
        {
            _closedWith = reason;
            sessions = [.. _online.Values];
        }
        foreach (var s in sessions)
        {
            s.Close(reason, drain: true);
            s.AbortAfter(drainFor);
        }
        return sessions;
    }

    public IReadOnlyList<RelaySession> OnlineSessions()
    {
        lock (_gate) return [.. _online.Values];
    }

    /// <summary>
    /// A page of the agents known, by id, after <paramref name="after"/> (from the first when null). It stops once their
    /// ids, metadata and what their JSON adds pass <c>MaxReplyBytes</c>, after at least one, so only an empty page means
    /// there are no more.
    /// </summary>
    public List<AgentInfo> AgentPage(string? after)
    {
        // What an agent's JSON adds beyond its id and metadata: field names, online, protocol and last-seen time.
        const int AgentOverheadBytes = 128;
        var maxBytes = options.Value.Limits.MaxReplyBytes;
        var page = new List<AgentInfo>();
        long bytes = 0;
        lock (_gate)
        {
            if (_ids.Count == 0 || (after is not null && string.CompareOrdinal(after, _ids.Max) >= 0))
            {
                return page;
            }
            foreach (var id in after is null ? _ids : _ids.GetViewBetween(after, _ids.Max!))
            {
                if (id == after)
                {
                    continue;
                }
                var a = _agents[id];
                bytes += AgentOverheadBytes + Encoding.UTF8.GetByteCount(id)
                    + (a.Metadata is { } metadata ? JsonMarshal.GetRawUtf8Value(metadata).Length : 0);
                if (bytes > maxBytes && page.Count > 0)
                {
                    break;
                }
                page.Add(new AgentInfo
                {
                    Id = a.Id,
                    Online = a.Session is not null,
                    LastSeen = a.LastSeen,
                    Protocol = a.Protocol,
                    Metadata = a.Metadata,
                });
            }
        }
        return page;
    }

    /// <summary>The agents whose stored record is out of date, with live cursors folded in; clears the marks.</summary>
    public IReadOnlyList<AgentRecord> CollectChanges()
    {
        lock (_gate)
        {
            var changed = new List<AgentRecord>();
            foreach (var a in _agents.Values)
            {
                if (a.Session is { } live && live.ConfirmedSeq > a.Cursor)
                {
                    a.Cursor = live.ConfirmedSeq;
                    a.Dirty = true;
                }
                if (!a.Dirty)
                {
                    continue;
                }
                a.Dirty = false;
                changed.Add(new AgentRecord(
                    a.Id,
                    a.Session is null ? PresenceStatus.Offline : PresenceStatus.Online,
                    a.LastSeen,
                    a.Cursor,
                    a.BroadcastsFloor,
                    a.Metadata?.GetRawText(),
                    a.Protocol));
            }
            return changed;
        }
    }

    /// <summary>Whether an agent has read further than the cursor the store holds for it.</summary>
    public bool HasUnstoredCursors()
    {
        lock (_gate)
        {
            return _agents.Values.Any(a => Math.Max(a.Cursor, a.Session?.ConfirmedSeq ?? 0) > a.StoredCursor);
        }
    }

    /// <summary>Notes the cursors of records <see cref="CollectChanges"/> gave out as stored.</summary>
    public void MarkSaved(IReadOnlyList<AgentRecord> saved)
    {
        lock (_gate)
        {
            foreach (var record in saved)
            {
                if (_agents.TryGetValue(record.Id, out var agent))
                {
                    agent.StoredCursor = Math.Max(agent.StoredCursor, record.Cursor);
                }
            }
        }
    }

    /// <summary>Marks agents whose records <see cref="CollectChanges"/> gave out but were not stored, for the next collection.</summary>
    public void MarkUnsaved(IReadOnlyList<AgentRecord> unsaved)
    {
        lock (_gate)
        {
            foreach (var record in unsaved)
            {
                if (_agents.TryGetValue(record.Id, out var agent))
                {
                    agent.Dirty = true;
                }
            }
        }
    }

    private void Broadcast(Outbound item, string except)
    {
        foreach (var session in _online.Values)
        {
            if (!string.Equals(session.AgentId, except, StringComparison.Ordinal))
            {
                session.Enqueue(item);
            }
        }
    }

    private void QueuePresence(AgentState state, string status)
    {
        ++_stamp;
        _presence.Add(new PresenceOut(new PresenceChange(PresenceOf(state, status), _stamp)), _stamp);
        _presenceChanged.Writer.TryWrite(true);
    }

    private static PresenceEvent PresenceOf(AgentState a, string status) => new()
    {
        Agent = a.Id,
        Status = status,
        Metadata = a.Metadata,
        LastSeen = a.LastSeen,
        Protocol = a.Protocol,
    };

    private static JsonElement? ParseMetadata(string? json)
    {
        if (json is null)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
