using System.Text.Json;

namespace SignalRelay.Server.Core;

/// <summary>What the registry knows of one agent, online or not. Guarded by the registry's lock.</summary>
internal sealed class AgentState(string id)
{
    public string Id { get; } = id;
    public RelaySession? Session { get; set; }
    public long Cursor { get; set; }

    /// <summary>
    /// The head of the bus when the agent first came: older broadcasts are never its to replay, even while its
    /// cursor is still below them (its first connection broke before confirming the directs that waited for it).
    /// </summary>
    public long BroadcastsFloor { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    public string? Protocol { get; set; }
    public JsonElement? Metadata { get; set; }

    /// <summary>
    /// What the agent was owed when its last connection that named no resume point began: a client that received
    /// nothing on it asks for this again (<see cref="Contracts.HubProtocol.ResumeFromLastStart"/>). Not stored.
    /// </summary>
    public BacklogRange? LastStart { get; set; }

    /// <summary>False for an agent first seen by this process and not in the store either.</summary>
    public bool HasConnectedBefore { get; set; }

    /// <summary>
    /// The agent's first connection has not begun its replay yet: one that replaces it, or comes after it ended that
    /// early, is still the agent's first, owed nothing from before it came. Not stored.
    /// </summary>
    public bool FirstNotStarted { get; set; }

    public bool Dirty { get; set; }

    /// <summary>The cursor the store holds for the agent, as far as this process knows.</summary>
    public long StoredCursor { get; set; }
}
