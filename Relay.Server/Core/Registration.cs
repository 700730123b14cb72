using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>
/// The result of registering a session: who else is online, and the range of stored messages the agent
/// has to be replayed before live traffic (everything after <see cref="Range"/>.UpTo arrives live).
/// <see cref="Owed"/> is the range the relay's own record says the agent has not had: a client's resume point below
/// it asks for messages again, and those count as reads (<see cref="ReplayPlanner"/>). <see cref="FirstConnection"/>:
/// the relay had never seen the agent, so its record has to be stored before it is welcomed
/// (<see cref="PresenceFlushService.SavedAsync"/>). <see cref="OnlineCount"/>: how many were online as it registered, itself
/// included; the session hears of every change after that, so a count taken later (after that store write) would count
/// those changes twice.
/// </summary>
public sealed record Registration(
    IReadOnlyList<PresenceEvent> OthersOnline, BacklogRange Range, bool Resumed, BacklogRange Owed, bool FirstConnection = false,
    int OnlineCount = 0)
{
    /// <summary>Whether the agent had <paramref name="envelope"/> by the relay's record, so replaying it is a read.</summary>
    public bool IsReread(Envelope envelope) =>
        envelope.Seq <= (envelope.To is null ? Owed.BroadcastsAfter : Owed.DirectsAfter);
}
