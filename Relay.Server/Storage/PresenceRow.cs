namespace SignalRelay.Server.Storage;

/// <summary>A row of the <c>presence</c> table: every agent that has ever connected.</summary>
public sealed class PresenceRow
{
    public required string AgentId { get; set; }
    public required string Status { get; set; }
    public long LastSeenMs { get; set; }

    /// <summary>The last seq delivered to the agent.</summary>
    public long Cursor { get; set; }

    /// <summary>The head of the bus when the agent first came; older broadcasts are not replayed to it.</summary>
    public long BroadcastsFloor { get; set; }

    public string? Metadata { get; set; }
    public string? Protocol { get; set; }
}
