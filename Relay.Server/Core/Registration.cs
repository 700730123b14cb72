using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>
/// The result of registering a session: who else is online, and the range of stored messages the agent
/// has to be replayed before live traffic (everything after <see cref="Range"/>.UpTo arrives live).
/// </summary>
public sealed record Registration(IReadOnlyList<PresenceEvent> OthersOnline, BacklogRange Range, bool Resumed);
