using System.Text.Json;
using System.Text.Json.Serialization;

namespace SignalRelay.Contracts;

/// <summary>What an agent asks the relay to send.</summary>
public sealed record SendRequest
{
    /// <summary>The sender's message id; the server generates one when absent.</summary>
    [JsonPropertyName("id")] public string? Id { get; init; }

    /// <summary>The recipient agent, or null to broadcast.</summary>
    [JsonPropertyName("to")] public string? To { get; init; }

    /// <summary>Defaults to <c>direct</c> with a recipient and <c>broadcast</c> without.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; init; }

    [JsonPropertyName("content")] public JsonElement Content { get; init; }

    [JsonPropertyName("sent_at")] public string? SentAt { get; init; }
}

/// <summary>The relay's answer to a send: the message is committed to the store.</summary>
public sealed record SendAck
{
    [JsonPropertyName("seq")] public long Seq { get; init; }
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>True when (from, id) was already stored; the message was not delivered again.</summary>
    [JsonPropertyName("duplicate")] public bool Duplicate { get; init; }

    [JsonPropertyName("received_at")] public DateTimeOffset ReceivedAt { get; init; }
}
