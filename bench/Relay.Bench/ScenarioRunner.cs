using SignalRelay.Bench.Measure;
using SignalRelay.Bench.Output;
using SignalRelay.Bench.Targets;
using SignalRelay.Issuer;

namespace SignalRelay.Bench;

/// <summary>Measures one scenario against the relay and, unless told not to, the two references, and works out the ratios.</summary>
public sealed class ScenarioRunner(bool withReferences, TimeSpan warmUpTime)
{
    /// <summary>What the bench changes in the relay's configuration (environment variables), and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> RelaySettings = new Dictionary<string, string>
    {
        // The per-agent rate limit protects a shared relay; the bench is the only client and wants the ceiling.
        ["Relay__Limits__MessagesPerSecond"] = "1000000",
        ["Relay__Limits__Burst"] = "1000000",
        // Idle agents send no heartbeats while 10,000 of them connect.
        ["Relay__Sessions__ReapAfterSeconds"] = "600",
        // One log line per connection is noise at 10,000 connections.
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private const int WarmUpMessages = 5_000;

    public async Task<IReadOnlyList<RunResult>> RunAsync(RunSpec spec)
    {
        var results = new List<RunResult>();
        await using var issuer = spec.Auth ? await LocalIssuer.StartAsync() : null;
        var settings = issuer is null ? RelaySettings : WithAuth(issuer);
        var relay = await MeasureServerAsync(spec, "relay", dir => ServerProcess.StartRelayAsync(Path.Combine(dir, "relay.db"), settings),
            issuer is null ? null : agent => issuer.Token(agent));
        if (!withReferences)
        {
            return [relay];
        }

        var transport = await MeasureServerAsync(spec with { Door = Door.Transport }, "transport", _ => ServerProcess.StartTransportAsync(), null);
        results.Add(transport);
        double? overStore = null;
        if (!spec.Idle)
        {
            var store = await MeasureStoreAsync(spec);
            results.Add(store);
            overStore = relay.AckedPerSecond / store.AckedPerSecond;
        }
        results.Insert(0, relay with
        {
            RelayOverTransport = transport.DeliveriesPerSecond > 0 && !spec.Idle ? relay.DeliveriesPerSecond / transport.DeliveriesPerSecond : null,
            RelayOverStore = overStore,
        });
        return results;
    }

    /// <summary>The relay's settings plus those that make it require tokens from <paramref name="issuer"/>.</summary>
    private static Dictionary<string, string> WithAuth(LocalIssuer issuer)
    {
        var settings = new Dictionary<string, string>(RelaySettings);
        foreach (var (key, value) in issuer.RelaySettings())
        {
            settings[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }
        return settings;
    }

    private async Task<RunResult> MeasureServerAsync(
        RunSpec spec, string target, Func<string, Task<ServerProcess>> start, Func<string, string>? tokenFor)
    {
        var dir = Directory.CreateTempSubdirectory("relay-bench-");
        try
        {
            await using var server = await start(dir.FullName);
            if (tokenFor is not null)
            {
                await AuthProbe.RequireRefusalAsync(server.BaseUri);
            }
            await WarmUpAsync(spec, server.BaseUri, tokenFor);
            double? rssPerConnection = null;
            var rssBefore = server.RssMiB;
            var generator = new LoadGenerator(spec, server.BaseUri)
            {
                TokenFor = tokenFor,
                Connected = connected => rssPerConnection = spec.Idle ? (server.RssMiB - rssBefore) * 1024 / connected : null,
            };
            var cpuBefore = server.CpuSeconds;
            var generatorCpuBefore = ProcessStats.CpuSeconds(Environment.ProcessId);
            GeneratorResult run;
            try
            {
                run = await generator.RunAsync();
            }
            catch (Exception ex)
            {
                return Describe(spec, target) with { Error = $"{ex.GetBaseException().Message}\n{server.Output}".Trim() };
            }
            return Describe(spec, target) with
            {
                Connected = run.Connected,
                Sent = run.Sent,
                Acked = run.Acked,
                Failed = run.Failed,
                Deliveries = run.Deliveries,
                ExpectedDeliveries = run.ExpectedDeliveries,
                SentPerSecond = run.SentPerSecond,
                AckedPerSecond = run.AckedPerSecond,
                DeliveriesPerSecond = run.DeliveriesPerSecond,
                P50Ms = run.Tally.Latency.P50,
                P90Ms = run.Tally.Latency.P90,
                P99Ms = run.Tally.Latency.P99,
                MaxMs = run.Tally.Latency.Max,
                Lost = run.Tally.Lost,
                Duplicated = run.Tally.Duplicated,
                OutOfOrder = run.Tally.OutOfOrder,
                Foreign = run.Tally.Foreign,
                ServerCpuSeconds = server.CpuSeconds - cpuBefore,
                GeneratorCpuSeconds = ProcessStats.CpuSeconds(Environment.ProcessId) - generatorCpuBefore,
                ServerPeakRssMiB = server.PeakRssMiB,
                Seconds = run.Seconds,
                ConnectSeconds = generator.ConnectSeconds,
                RssPerConnectionKiB = rssPerConnection,
                Error = run.FirstError,
            };
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Short passes of the same load with other agents for a few seconds, so the server's tiered JIT has mostly
    /// settled before the measured pass: a relay runs for days, and its first seconds are not what users compare.
    /// </summary>
    private async Task WarmUpAsync(RunSpec spec, Uri server, Func<string, string>? tokenFor)
    {
        if (spec.Idle)
        {
            return;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var pass = 0; pass == 0 || clock.Elapsed < warmUpTime; pass++)
        {
            var warmUp = spec with
            {
                AgentPrefix = $"warmup{pass}",
                MessagesPerAgent = Math.Min(spec.MessagesPerAgent, Math.Max(20, WarmUpMessages / spec.Agents)),
                OfferedRate = 0,
            };
            await new LoadGenerator(warmUp, server) { TokenFor = tokenFor }.RunAsync();
        }
    }

    private static async Task<RunResult> MeasureStoreAsync(RunSpec spec)
    {
        var dir = Directory.CreateTempSubdirectory("relay-bench-store-");
        try
        {
            var store = await StoreReference.RunAsync(spec, Path.Combine(dir.FullName, "store.db"), "FULL", maxBatch: 1024);
            return Describe(spec, "store") with
            {
                Door = $"sqlite, {store.BatchSize}/tx",
                Sent = store.Rows,
                Acked = store.Rows,
                SentPerSecond = store.RowsPerSecond,
                AckedPerSecond = store.RowsPerSecond,
                Seconds = store.Rows / store.RowsPerSecond,
            };
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    private static RunResult Describe(RunSpec spec, string target) => new()
    {
        Scenario = spec.Name,
        Target = target,
        Door = spec.Door.ToString().ToLowerInvariant(),
        Agents = spec.Agents,
        MessagesPerAgent = spec.MessagesPerAgent,
        Window = spec.Window,
        PayloadBytes = spec.PayloadBytes,
        Pattern = spec.Pattern.ToString().ToLowerInvariant(),
        Auth = spec.Auth && target == "relay",
        OfferedRate = spec.OfferedRate,
    };
}
