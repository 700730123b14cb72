namespace SignalRelay.Server.Core;

/// <summary>
/// Presence changes not announced yet, in the order they were made. Each carries a stamp from the registry's
/// count of registrations and changes, so a session hears only the changes made after it registered (a mesh
/// newcomer is greeted with everyone online, which already includes the earlier ones), and never a change about
/// its own agent.
/// </summary>
internal sealed class PendingPresence
{
    private readonly List<(PresenceOut Notice, long Stamp)> _changes = [];
    // The agents the changes being fanned out are about.
    private readonly HashSet<string> _subjects = new(StringComparer.Ordinal);

    public void Add(PresenceOut notice, long stamp) => _changes.Add((notice, stamp));

    public bool IsEmpty => _changes.Count == 0;

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
        _subjects.Clear();
        for (var i = 0; i < count; i++)
        {
            notices[i] = _changes[i].Notice;
            _subjects.Add(notices[i].Presence.Agent);
        }
        var everything = new PresenceBatchOut(notices);
        var oldest = _changes[0].Stamp;
        foreach (var session in online)
        {
            if (session.RegistrationStamp < oldest && !_subjects.Contains(session.AgentId))
            {
                session.Enqueue(everything);
            }
            else if (For(session, count) is { } some)
            {
                session.Enqueue(some);
            }
        }
        _changes.RemoveRange(0, count);
    }

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
