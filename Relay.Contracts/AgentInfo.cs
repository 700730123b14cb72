using System.Text.Json;
using System.Text.Json.Serialization;

namespace SignalRelay.Contracts;

public sealed record AgentInfo
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("online")] public bool Online { get; init; }
    [JsonPropertyName("last_seen")] public DateTimeOffset LastSeen { get; init; }

    /// <summary><c>signalr</c>, <c>v0.3</c> or <c>mesh</c>: the door the agent last came in by.</summary>
    [JsonPropertyName("protocol")] public string? Protocol { get; init; }

    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; init; }
}

public sealed record PresenceEvent
{
    [JsonPropertyName("agent")] public required string Agent { get; init; }

    /// <summary><c>online</c> or <c>offline</c>.</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }

    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; init; }
    [JsonPropertyName("last_seen")] public DateTimeOffset LastSeen { get; init; }
    [JsonPropertyName("protocol")] public string? Protocol { get; init; }
}

public static class PresenceStatus
{
    public const string Online = "online";
    public const string Offline = "offline";
}
