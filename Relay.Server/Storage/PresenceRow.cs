namespace SignalRelay.Server.Storage;

/// <summary>A row of the <c>presence</c> table: every agent that has ever connected.</summary>
public sealed class PresenceRow
{
    public required string AgentId { get; set; }
    public required string Status { get; set; }
    public long LastSeenMs { get; set; }

    /// <summary>The last seq delivered to the agent.</summary>
    public long Cursor { get; set; }

    public string? Metadata { get; set; }
    public string? Protocol { get; set; }
}
