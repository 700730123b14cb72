using SignalRelay.Bench.Doors;

namespace SignalRelay.Bench;

/// <summary>
/// Command-line options (<c>--name value</c>). A scenario sets every parameter; any option given overrides it.
/// Without <c>--scenario</c> one custom run is made from the defaults and the options.
/// </summary>
public sealed class BenchOptions
{
    /// <summary>A scenario name, a comma-separated list of them, or <c>all</c>.</summary>
    public string? Scenario { get; set; }

    public Door? Door { get; set; }
    public int? Agents { get; set; }
    public int? Messages { get; set; }
    public int? Window { get; set; }
    public int? Payload { get; set; }
    public Pattern? Pattern { get; set; }

    /// <summary>How message ids are made (<c>counter</c>, the default, <c>random</c> or <c>uuid7</c>).</summary>
    public IdStyle? Ids { get; set; }

    /// <summary>History readers beside the measured agents (<see cref="RunSpec.HistoryReaders"/>).</summary>
    public int? Readers { get; set; }

    /// <summary>Offered messages per second, all agents together.</summary>
    public double? Rate { get; set; }

    /// <summary>Duration cap per run, seconds.</summary>
    public double? Duration { get; set; }

    /// <summary>
    /// Seconds of warm-up load on each server before its measured pass (at least one short pass). On this machine
    /// the relay's tiered JIT needs about 12 s to settle: after 4 s it still spent twice the CPU per message.
    /// </summary>
    public double Warmup { get; set; } = 12;

    /// <summary>
    /// Measured passes per server: the relay's and the transport reference's alternate, and the table reports the
    /// median pass and the median and range of the pairs' ratios. Idle runs make one pass.
    /// </summary>
    public int Passes { get; set; } = 3;

    /// <summary>Also measure the transport and store references (default on).</summary>
    public bool References { get; set; } = true;

    /// <summary>
    /// Other relays to measure beside ours, comma-separated: <c>node-ws</c> (a bare Node <c>ws</c> relay) and
    /// <c>seed000-python</c> (seed 000's relay as described, in Python). None by default.
    /// </summary>
    public string? Compare { get; set; }

    /// <summary>The Python interpreter for <c>seed000-python</c>; by default one that has <c>websockets</c>.</summary>
    public string? Python { get; set; }

    /// <summary>Also append the JSON lines to this file.</summary>
    public string? Json { get; set; }

    public IReadOnlyList<RunSpec> Specs()
    {
        IEnumerable<RunSpec> chosen = Scenario switch
        {
            null or "" => [new RunSpec { Name = "custom" }],
            "all" => Scenarios.All,
            _ => Scenario.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Scenarios.Find),
        };
        return [.. chosen.Select(Apply)];
    }

    private RunSpec Apply(RunSpec spec)
    {
        var applied = spec with
        {
            Door = Door ?? spec.Door,
            Agents = Agents ?? spec.Agents,
            MessagesPerAgent = Messages ?? spec.MessagesPerAgent,
            Window = Window ?? spec.Window,
            PayloadBytes = Payload ?? spec.PayloadBytes,
            Pattern = Pattern ?? spec.Pattern,
            Ids = Ids ?? spec.Ids,
            OfferedRate = Rate ?? spec.OfferedRate,
            HistoryReaders = Readers ?? spec.HistoryReaders,
            DurationCap = Duration is { } d ? TimeSpan.FromSeconds(d) : spec.DurationCap,
        };
        if (applied.Agents < 2 || applied.MessagesPerAgent < 1 || applied.Window < 1 || applied.PayloadBytes < 0)
        {
            throw new ArgumentException($"{spec.Name}: needs at least 2 agents, 1 message and a window of 1.");
        }
        if (applied.Pattern == Bench.Pattern.Direct && applied.Agents % 2 != 0)
        {
            throw new ArgumentException($"{spec.Name}: direct pairs need an even number of agents.");
        }
        return applied;
    }
}
