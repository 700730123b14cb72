namespace SignalRelay.Server.Core;

/// <summary>
/// Presence changes not announced yet, at most one per agent: a newer change replaces the agent's older one still
/// waiting, so an agent that floods metadata updates or flaps costs everyone else one notice per announcement, and
/// the list never outgrows the number of agents. Each change carries a stamp from the registry's count of
/// registrations and changes, so a session hears only the changes made after it registered (a mesh newcomer is
/// greeted with everyone online, which already includes the earlier ones), and never a change about its own agent.
/// </summary>
internal sealed class PendingPresence
{
    private readonly List<(PresenceOut Notice, long Stamp)> _changes = [];
    // Where each agent's waiting change is in _changes.
    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);

    public bool IsEmpty => _changes.Count == 0;

    public void Add(PresenceOut notice, long stamp)
    {
        var agent = notice.Presence.Agent;
        if (_positions.TryGetValue(agent, out var at))
        {
            _changes[at] = (notice, stamp);
            return;
        }
        _positions[agent] = _changes.Count;
        _changes.Add((notice, stamp));
    }

    /// <summary>
    /// Queues the oldest changes, at most <paramref name="max"/>, to every session in <paramref name="online"/> that
    /// should hear them, then forgets them.
    /// </summary>
    public void FanOut(IEnumerable<RelaySession> online, int max)
    {
        var count = Math.Min(max, _changes.Count);
        if (count == 0)
        {
            return;
        }
        var notices = new PresenceOut[count];
        var oldest = long.MaxValue;
        for (var i = 0; i < count; i++)
        {
            notices[i] = _changes[i].Notice;
            oldest = Math.Min(oldest, _changes[i].Stamp);
        }
        var everything = new PresenceBatchOut(notices);
        foreach (var session in online)
        {
            // Most sessions registered before every change and are the subject of none: they share one item.
            if (session.RegistrationStamp < oldest && !IsAmongFirst(session.AgentId, count))
            {
                session.Enqueue(everything);
            }
            else if (For(session, count) is { } some)
            {
                session.Enqueue(some);
            }
        }
        _changes.RemoveRange(0, count);
        _positions.Clear();
        for (var i = 0; i < _changes.Count; i++)
        {
            _positions[_changes[i].Notice.Presence.Agent] = i;
        }
    }

    private bool IsAmongFirst(string agent, int count) => _positions.TryGetValue(agent, out var at) && at < count;

    private PresenceBatchOut? For(RelaySession session, int count)
    {
        List<PresenceOut>? notices = null;
        for (var i = 0; i < count; i++)
        {
            var (notice, stamp) = _changes[i];
            if (stamp > session.RegistrationStamp && !string.Equals(notice.Presence.Agent, session.AgentId, StringComparison.Ordinal))
            {
                (notices ??= []).Add(notice);
            }
        }
        return notices is null ? null : new PresenceBatchOut(notices);
    }
}
