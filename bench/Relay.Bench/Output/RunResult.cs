using System.Text.Json.Serialization;

namespace SignalRelay.Bench.Output;

/// <summary>One measured run against one target (the relay, the transport or store reference, or another relay).</summary>
public sealed record RunResult
{
    [JsonPropertyName("scenario")] public required string Scenario { get; init; }

    /// <summary><c>relay</c>, <c>transport</c>, <c>store</c>, or another relay's name (<c>--compare</c>).</summary>
    [JsonPropertyName("target")] public required string Target { get; init; }

    [JsonPropertyName("door")] public required string Door { get; init; }
    [JsonPropertyName("agents")] public int Agents { get; init; }

    /// <summary>Agents connected when sending began (idle runs stop connecting at their cap).</summary>
    [JsonPropertyName("connected")] public int Connected { get; init; }
    [JsonPropertyName("messages_per_agent")] public int MessagesPerAgent { get; init; }
    [JsonPropertyName("window")] public int Window { get; init; }
    [JsonPropertyName("payload_bytes")] public int PayloadBytes { get; init; }
    [JsonPropertyName("pattern")] public required string Pattern { get; init; }
    [JsonPropertyName("ids")] public required string Ids { get; init; }

    /// <summary>The relay required a token from every agent (the references never do).</summary>
    [JsonPropertyName("auth")] public bool Auth { get; init; }

    /// <summary>Which of the server's alternating measured passes this is (1, 2, …); none for the store reference.</summary>
    [JsonPropertyName("pass")] public int? Pass { get; init; }

    [JsonPropertyName("offered_rate")] public double OfferedRate { get; init; }
    [JsonPropertyName("sent")] public long Sent { get; init; }
    [JsonPropertyName("acked")] public long Acked { get; init; }
    [JsonPropertyName("failed")] public long Failed { get; init; }
    [JsonPropertyName("deliveries")] public long Deliveries { get; init; }
    [JsonPropertyName("expected_deliveries")] public long ExpectedDeliveries { get; init; }
    [JsonPropertyName("sent_per_s")] public double SentPerSecond { get; init; }
    [JsonPropertyName("acked_per_s")] public double AckedPerSecond { get; init; }
    [JsonPropertyName("deliveries_per_s")] public double DeliveriesPerSecond { get; init; }
    [JsonPropertyName("p50_ms")] public double P50Ms { get; init; }
    [JsonPropertyName("p90_ms")] public double P90Ms { get; init; }
    [JsonPropertyName("p99_ms")] public double P99Ms { get; init; }
    [JsonPropertyName("max_ms")] public double MaxMs { get; init; }
    [JsonPropertyName("lost")] public long Lost { get; init; }
    [JsonPropertyName("duplicated")] public long Duplicated { get; init; }
    [JsonPropertyName("out_of_order")] public long OutOfOrder { get; init; }
    [JsonPropertyName("foreign")] public long Foreign { get; init; }
    [JsonPropertyName("server_cpu_s")] public double ServerCpuSeconds { get; init; }

    /// <summary>The bench's own CPU seconds over the same pass: the generator shares the machine with the server.</summary>
    [JsonPropertyName("generator_cpu_s")] public double GeneratorCpuSeconds { get; init; }

    [JsonPropertyName("server_peak_rss_mib")] public double ServerPeakRssMiB { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("connect_s")] public double ConnectSeconds { get; init; }

    /// <summary>History replies and refusals the history readers (<c>--readers</c>) received; absent without them.</summary>
    [JsonPropertyName("history_replies")] public int? HistoryReplies { get; init; }

    /// <summary>Idle runs: server memory growth from connecting, divided by the connections.</summary>
    [JsonPropertyName("rss_per_connection_kib")] public double? RssPerConnectionKiB { get; init; }

    /// <summary>Relay deliveries/s over that of the transport reference's pass right after it (broadcast and direct runs).</summary>
    [JsonPropertyName("relay_over_transport")] public double? RelayOverTransport { get; init; }

    /// <summary>Relay ACKs/s (committed messages) over the store reference's rows/s, same run.</summary>
    [JsonPropertyName("relay_over_store")] public double? RelayOverStore { get; init; }

    /// <summary>For another relay's pass: the relay's deliveries/s in the same round over this one's.</summary>
    [JsonPropertyName("relay_over_this")] public double? RelayOverThis { get; init; }

    [JsonPropertyName("error")] public string? Error { get; init; }

    [JsonIgnore] public bool Clean => Failed == 0 && Lost == 0 && Duplicated == 0 && OutOfOrder == 0 && Foreign == 0 && Error is null;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunResult))]
public sealed partial class BenchJsonContext : JsonSerializerContext;
