using System.Text.Json;
using System.Text.Json.Serialization;

namespace SignalRelay.Contracts;

/// <summary>
/// Source-generated serializers for every contract type. The relay's doors read frames at most 64 levels deep
/// (the readers' default); a list of envelopes wraps such content in two more, so this allows 128.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 128)]
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
