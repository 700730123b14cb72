using System.Text.Json;
using System.Text.Json.Serialization;

namespace SignalRelay.Contracts;

/// <summary>One message on the bus, whatever door it came in by.</summary>
public sealed record Envelope
{
    /// <summary>Server-assigned, strictly increasing: the order of the bus.</summary>
    [JsonPropertyName("seq")] public long Seq { get; init; }

    /// <summary>The sender's message id; unique per sender.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>One of <see cref="EnvelopeKinds"/>.</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    /// <summary>The sending agent, stamped by the server from the session.</summary>
    [JsonPropertyName("from")] public required string From { get; init; }

    /// <summary>The receiving agent, or null for everyone.</summary>
    [JsonPropertyName("to")] public string? To { get; init; }

    [JsonPropertyName("content")] public JsonElement Content { get; init; }

    /// <summary>The client's timestamp as it was given, as text (a number as its digits), if any.</summary>
    [JsonPropertyName("sent_at")] public string? SentAt { get; init; }

    /// <summary>The server's clock when the message arrived.</summary>
    [JsonPropertyName("received_at")] public DateTimeOffset ReceivedAt { get; init; }
}
