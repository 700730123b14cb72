using System.Text.Json;
using System.Text.Json.Serialization;

namespace SignalRelay.Contracts;

/// <summary>Source-generated serializers for every contract type.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Envelope))]
[JsonSerializable(typeof(Envelope[]))]
[JsonSerializable(typeof(SendRequest))]
[JsonSerializable(typeof(SendAck))]
[JsonSerializable(typeof(HistoryQuery))]
[JsonSerializable(typeof(AgentInfo))]
[JsonSerializable(typeof(AgentInfo[]))]
[JsonSerializable(typeof(IReadOnlyList<AgentInfo>))]
[JsonSerializable(typeof(IReadOnlyList<Envelope>))]
[JsonSerializable(typeof(PresenceEvent))]
[JsonSerializable(typeof(RelayError))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(int))]
public sealed partial class RelayJsonContext : JsonSerializerContext;
