using System.Text.Json.Serialization;

namespace SignalRelay.Contracts;

/// <summary>
/// A history request. Bounds are on the server's clock or on <c>seq</c>, never on a client timestamp.
/// Results are ascending; with no lower bound they are the newest <see cref="Limit"/> messages.
/// </summary>
public sealed record HistoryQuery
{
    [JsonPropertyName("since_seq")] public long? SinceSeq { get; init; }
    [JsonPropertyName("since_time")] public DateTimeOffset? SinceTime { get; init; }
    [JsonPropertyName("limit")] public int? Limit { get; init; }
}
