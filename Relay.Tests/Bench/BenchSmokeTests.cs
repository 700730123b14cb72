using System.Diagnostics;
using System.Text.Json;
using SignalRelay.Bench.Output;

namespace SignalRelay.Tests.Bench;

/// <summary>
/// Runs the real bench (child process, as CI would) on tiny parameters so it never rots. Asserts what the
/// bench measures for correctness, never how fast: every scenario, every door and both references run, the
/// relay's and the transport's measured passes alternate, as many as asked, and nothing is lost, duplicated or reordered;
/// other relays asked for with <c>--compare</c> take their turn in every round.
/// </summary>
public sealed class BenchSmokeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Test]
    public async Task Every_scenario_runs_on_tiny_parameters_without_loss_duplicates_or_reordering()
    {
        var (exitCode, output, results) = await RunBenchForResultsAsync("--scenario", "all", "--agents", "4", "--messages", "15", "--warmup", "0", "--passes", "2");

        Assert.That(results.Select(r => $"{r.Scenario}/{r.Target}"), Is.SupersetOf(new[]
        {
            "durable/relay", "durable/transport", "durable/store",
            "fanout/relay", "direct/relay", "latency/relay", "idle10k/relay", "idle10k/transport", "large/relay",
        }), output);
        Assert.Multiple(() =>
        {
            foreach (var r in results)
            {
                AssertCarriedEverything(r);
                if (r.Target != "store")
                {
                    Assert.That(r.ServerPeakRssMiB, Is.GreaterThan(0), $"{r.Scenario}/{r.Target}: server memory read from /proc");
                }
            }
            Assert.That(results.Where(r => r.Target == "relay" && r.Scenario != "idle10k").Select(r => r.RelayOverTransport), Is.All.Not.Null);
            var passes = results.Where(r => r.Target != "store").GroupBy(r => $"{r.Scenario}/{r.Target}")
                .ToDictionary(g => g.Key, g => string.Join(",", g.Select(r => r.Pass)));
            Assert.That(passes["durable/relay"], Is.EqualTo("1,2"), "measured passes alternate, as many as asked");
            Assert.That(passes["durable/transport"], Is.EqualTo("1,2"));
            Assert.That(passes["idle10k/relay"], Is.EqualTo("1"), "an idle run makes one pass");
            Assert.That(output, Does.Not.Contain("relay ÷ this"), "no comparison column when no other relay was measured");
            Assert.That(exitCode, Is.Zero, output);
        });
    }

    [Test]
    public async Task Other_relays_take_their_turn_beside_ours_when_asked()
    {
        var (exitCode, output, results) = await RunBenchForResultsAsync("--scenario", "durable,direct", "--compare", "node-ws,seed000-python",
            "--references", "false", "--agents", "4", "--messages", "15", "--warmup", "0", "--passes", "2");

        var passes = results.GroupBy(r => $"{r.Scenario}/{r.Target}/{r.Door}").ToDictionary(g => g.Key, g => string.Join(",", g.Select(r => r.Pass)));
        Assert.That(passes, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["durable/relay/v03"] = "1,2", ["durable/node-ws/transport"] = "1,2", ["durable/seed000-python/v03"] = "1,2",
            ["direct/relay/hub"] = "1,2", ["direct/node-ws/transport"] = "1,2", ["direct/seed000-python/v03"] = "1,2",
        }), output);
        Assert.Multiple(() =>
        {
            foreach (var r in results)
            {
                AssertCarriedEverything(r);
                Assert.That(r.RelayOverThis, r.Target == "relay" ? Is.Null : Is.GreaterThan(0), $"{r.Scenario}/{r.Target}: the relay's deliveries/s over this one's");
            }
            Assert.That(output, Does.Contain("| relay ÷ this |"), "the table has the comparison column");
            Assert.That(exitCode, Is.Zero, output);
        });
    }

    [Test]
    public async Task History_readers_beside_a_v03_run_are_answered_and_take_nothing_from_the_measured_agents()
    {
        var (exitCode, output, results) = await RunBenchForResultsAsync("--scenario", "durable", "--references", "false",
            "--agents", "4", "--messages", "15", "--warmup", "0", "--passes", "1", "--readers", "2");

        var relay = results.Single(r => r.Target == "relay");
        Assert.Multiple(() =>
        {
            AssertCarriedEverything(relay);
            Assert.That(relay.Foreign, Is.Zero, "the readers' messages reach none of the measured agents");
            Assert.That(relay.HistoryReplies, Is.GreaterThanOrEqualTo(2), "each reader asks at least once and is answered");
            Assert.That(exitCode, Is.Zero, output);
        });
    }

    /// <summary>No error, every message acknowledged and (but by the store reference) delivered; nothing lost, duplicated or reordered.</summary>
    private static void AssertCarriedEverything(RunResult r)
    {
        var name = $"{r.Scenario}/{r.Target}";
        Assert.That(r.Error, Is.Null, name);
        Assert.That(r.Acked, Is.EqualTo(r.Sent).And.GreaterThan(0), $"{name}: every message acknowledged");
        Assert.That((r.Lost, r.Duplicated, r.OutOfOrder, r.Failed), Is.EqualTo((0L, 0L, 0L, 0L)), $"{name}: lost, duplicated, out of order, failed");
        if (r.Target != "store")
        {
            Assert.That(r.Deliveries, Is.EqualTo(r.ExpectedDeliveries).And.GreaterThan(0), $"{name}: deliveries");
        }
    }

    /// <summary>Runs the bench with <paramref name="args"/> and reads back the JSON line of every pass it made.</summary>
    private static async Task<(int ExitCode, string Output, List<RunResult> Results)> RunBenchForResultsAsync(params string[] args)
    {
        using var temp = new TempDirectory();
        var json = temp.File("results.jsonl");
        var (exitCode, output) = await RunBenchAsync([.. args, "--json", json]);
        var results = File.Exists(json)
            ? File.ReadLines(json).Select(line => JsonSerializer.Deserialize(line, BenchJsonContext.Default.RunResult)!).ToList()
            : [];
        return (exitCode, output, results);
    }

    private static async Task<(int ExitCode, string Output)> RunBenchAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Relay.Bench.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var bench = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = bench.StandardOutput.ReadToEndAsync();
        var stderr = bench.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await bench.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            bench.Kill(entireProcessTree: true);
            Assert.Fail($"The bench did not finish within {Limit}:\n{await stderr}");
        }
        return (bench.ExitCode, $"{await stdout}\n{await stderr}");
    }
}
