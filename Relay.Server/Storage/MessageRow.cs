namespace SignalRelay.Server.Storage;

/// <summary>A row of the <c>messages</c> table.</summary>
public sealed class MessageRow
{
    public long Seq { get; set; }
    public required string MessageId { get; set; }
    public required string Kind { get; set; }
    public required string FromAgent { get; set; }
    public string? ToAgent { get; set; }
    public required string Content { get; set; }
    public string? SentAt { get; set; }
    public long ReceivedAtMs { get; set; }
}
