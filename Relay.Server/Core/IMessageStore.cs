using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>
/// The one seam between the relay core and its database. SQLite implements it today;
/// a shared PostgreSQL store for several nodes is the next implementation.
/// </summary>
public interface IMessageStore
{
    /// <summary>Creates or migrates the schema.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>
    /// Commits a batch in one transaction, assigning each new message its seq.
    /// A message whose (from, id) is already stored is not stored again: its result is marked duplicate
    /// and carries the original seq and receive time. Receive times never decrease along seq: a message
    /// stamped earlier than the one committed before it gets that one's time.
    /// </summary>
    Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<Envelope> batch, CancellationToken ct);

    /// <summary>
    /// What <paramref name="viewer"/> may see, ascending; the newest <c>limit</c> when no lower bound is given. A page stops
    /// early once its messages pass <c>Relay:Limits:MaxReplyBytes</c>, and always holds at least one.
    /// </summary>
    Task<IReadOnlyList<Envelope>> HistoryAsync(string viewer, HistoryQuery query, int limit, CancellationToken ct);

    /// <summary>
    /// What the range's agent missed, ascending, at most <paramref name="limit"/> rows, stopping early (after at least one)
    /// once they pass <c>Relay:Limits:MaxReplyBytes</c>: only an empty page means there is no more. Read together with
    /// where the store's messages began at that moment, so a caller learns of everything retention removed before the page.
    /// </summary>
    Task<BacklogPage> BacklogAsync(BacklogRange range, int limit, CancellationToken ct);

    /// <summary>
    /// The seq of the <paramref name="skip"/>+1-th newest message in the range, or null when the range holds
    /// no more than <paramref name="skip"/> messages: where a capped replay has to start after.
    /// </summary>
    Task<long?> BacklogCutoffAsync(BacklogRange range, int skip, CancellationToken ct);

    /// <summary>The oldest seq still held (null when empty) and the newest seq ever assigned.</summary>
    Task<(long? Oldest, long Newest)> BoundsAsync(CancellationToken ct);

    Task<IReadOnlyList<AgentRecord>> LoadAgentsAsync(CancellationToken ct);
    Task SaveAgentsAsync(IReadOnlyList<AgentRecord> agents, CancellationToken ct);

    /// <summary>Deletes messages older than the cutoff and all but the newest <paramref name="keepNewest"/>.</summary>
    Task<int> PruneAsync(DateTimeOffset olderThan, long keepNewest, CancellationToken ct);

    /// <summary>Deletes the oldest messages until the store's pages in use take no more than <paramref name="maxBytes"/>.</summary>
    Task<int> PruneToSizeAsync(long maxBytes, CancellationToken ct);

    /// <summary>Throws when the store does not answer.</summary>
    Task PingAsync(CancellationToken ct);
}

public readonly record struct AppendResult(long Seq, bool Duplicate, DateTimeOffset ReceivedAt);

/// <summary>
/// Directs to <see cref="Agent"/> after <see cref="DirectsAfter"/> and broadcasts from others after
/// <see cref="BroadcastsAfter"/>, up to and including <see cref="UpTo"/>.
/// </summary>
public readonly record struct BacklogRange(string Agent, long DirectsAfter, long BroadcastsAfter, long UpTo);

/// <summary>
/// A page of a backlog and the oldest seq the store held when it was read: one past the newest seq ever assigned when it
/// held none. Every message before <see cref="HeldFrom"/> had been removed by retention.
/// </summary>
public sealed record BacklogPage(IReadOnlyList<Envelope> Messages, long HeldFrom);

/// <summary>What the relay remembers of an agent across restarts.</summary>
public sealed record AgentRecord(
    string Id, string Status, DateTimeOffset LastSeen, long Cursor, long BroadcastsFloor, string? Metadata, string? Protocol);
