using SignalRelay.Bench.Measure;
using SignalRelay.Bench.Output;
using SignalRelay.Bench.Targets;

namespace SignalRelay.Bench;

/// <summary>
/// Measures one scenario against the relay and, unless told not to, the two references, and works out the ratios.
/// The relay and the transport reference run side by side and take turns: after one warm-up each, their measured
/// passes alternate (relay, transport, relay, transport, …) for the given number of passes each, so each pair's
/// ratio compares two passes a few seconds apart on the same machine. Other relays asked for (<c>--compare</c>)
/// take their turn after the transport reference in every round.
/// </summary>
public sealed class ScenarioRunner(bool withReferences, TimeSpan warmUpTime, int passes, IReadOnlyList<OtherRelay> others, string? python)
{
    /// <summary>What the bench changes in the relay's configuration (environment variables), and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> RelaySettings = new Dictionary<string, string>
    {
        // The per-agent rate limit protects a shared relay; the bench is the only client and wants the ceiling.
        ["Relay__Limits__MessagesPerSecond"] = "1000000",
        ["Relay__Limits__Burst"] = "1000000",
        // So is the per-address limit on new connections: every agent connects from loopback, 10,000 at once in idle10k.
        ["Relay__Limits__NewConnectionsPerSecondPerAddress"] = "1000000",
        ["Relay__Limits__NewConnectionBurstPerAddress"] = "1000000",
        // Idle agents send no heartbeats while 10,000 of them connect.
        ["Relay__Sessions__ReapAfterSeconds"] = "600",
        // One log line per connection is noise at 10,000 connections.
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private const int WarmUpMessages = 5_000;

    /// <summary>Every measured pass, in the order run: each relay pass carries the ratios to its pair.</summary>
    public async Task<IReadOnlyList<RunResult>> RunAsync(RunSpec spec)
    {
        var dir = Directory.CreateTempSubdirectory("relay-bench-");
        try
        {
            await using var issuer = spec.Auth ? await IssuerProcess.StartAsync() : null;
            var settings = issuer is null ? RelaySettings : WithAuth(issuer);
            Func<string, Task<string>>? tokenFor = issuer is null ? null : issuer.TokenAsync;
            await using var relay = await ServerProcess.StartRelayAsync(Path.Combine(dir.FullName, "relay.db"), settings);
            if (tokenFor is not null)
            {
                await AuthProbe.RequireRefusalAsync(relay.BaseUri);
            }
            await WarmUpAsync(spec, relay.BaseUri, tokenFor);
            await using var transport = withReferences ? await ServerProcess.StartTransportAsync() : null;
            var transportSpec = spec with { Door = Door.Transport };
            if (transport is not null)
            {
                await WarmUpAsync(transportSpec, transport.BaseUri, null);
            }

            await using var compared = await StartOthersAsync(spec, dir.FullName);

            var pairs = new List<(RunResult Relay, RunResult? Transport)>();
            var otherPasses = new List<RunResult>();
            // An idle run connects 10,000 agents per pass; one pass is the measurement.
            for (var pass = 1; pass <= (spec.Idle ? 1 : passes); pass++)
            {
                var prefix = $"bench{pass}";
                var relayPass = await MeasurePassAsync(spec with { AgentPrefix = prefix }, "relay", relay, tokenFor);
                var transportPass = transport is null ? null
                    : await MeasurePassAsync(transportSpec with { AgentPrefix = prefix }, "transport", transport, null);
                pairs.Add((relayPass with { Pass = pass }, transportPass is null ? null : transportPass with { Pass = pass }));
                foreach (var (other, server) in compared.Servers)
                {
                    var otherPass = await MeasurePassAsync(spec with { Door = other.Door, AgentPrefix = prefix }, other.Name, server, null);
                    otherPasses.Add(otherPass with
                    {
                        Pass = pass,
                        RelayOverThis = otherPass.DeliveriesPerSecond > 0 && !spec.Idle
                            ? relayPass.DeliveriesPerSecond / otherPass.DeliveriesPerSecond
                            : null,
                    });
                }
            }

            var store = withReferences && !spec.Idle ? await MeasureStoreAsync(spec) : null;
            var results = new List<RunResult>();
            foreach (var (relayPass, transportPass) in pairs)
            {
                results.Add(relayPass with
                {
                    RelayOverTransport = transportPass is { DeliveriesPerSecond: > 0 } && !spec.Idle
                        ? relayPass.DeliveriesPerSecond / transportPass.DeliveriesPerSecond
                        : null,
                    RelayOverStore = store is null ? null : relayPass.AckedPerSecond / store.AckedPerSecond,
                });
                if (transportPass is not null)
                {
                    results.Add(transportPass);
                }
            }
            results.AddRange(otherPasses);
            if (store is not null)
            {
                results.Add(store);
            }
            return results;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Starts and warms up every other relay asked for; disposing the result stops them.</summary>
    private async Task<OtherServers> StartOthersAsync(RunSpec spec, string dir)
    {
        var started = new OtherServers();
        try
        {
            foreach (var other in others)
            {
                var server = await other.StartAsync(dir, python);
                started.Servers.Add((other, server));
                await WarmUpAsync(spec with { Door = other.Door }, server.BaseUri, null);
            }
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private sealed class OtherServers : IAsyncDisposable
    {
        public List<(OtherRelay Relay, ServerProcess Server)> Servers { get; } = [];

        public async ValueTask DisposeAsync()
        {
            foreach (var (_, server) in Servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>The relay's settings plus those that make it require tokens from <paramref name="issuer"/>.</summary>
    private static Dictionary<string, string> WithAuth(IssuerProcess issuer)
    {
        var settings = new Dictionary<string, string>(RelaySettings);
        foreach (var (key, value) in issuer.RelaySettings())
        {
            settings[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }
        return settings;
    }

    private static async Task<RunResult> MeasurePassAsync(RunSpec spec, string target, ServerProcess server, Func<string, Task<string>>? tokenFor)
    {
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
            HistoryReplies = run.HistoryReplies,
            Error = run.FirstError,
        };
    }

    /// <summary>
    /// Short passes of the same load with other agents for a few seconds, so the server's tiered JIT has mostly
    /// settled before the measured pass: a relay runs for days, and its first seconds are not what users compare.
    /// </summary>
    private async Task WarmUpAsync(RunSpec spec, Uri server, Func<string, Task<string>>? tokenFor)
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
        Ids = spec.Ids.ToString().ToLowerInvariant(),
        Auth = spec.Auth && target == "relay",
        OfferedRate = spec.OfferedRate,
    };
}
