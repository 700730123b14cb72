using System.Globalization;
using System.Text;

namespace SignalRelay.Bench.Output;

/// <summary>The results of a bench invocation as one Markdown table.</summary>
public static class MarkdownTable
{
    private static readonly string[] Header =
    [
        "scenario", "target", "door", "agents", "sent/s", "acked/s", "deliveries/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
        "lost", "dup", "ooo", "server CPU s", "bench CPU s", "peak RSS MiB", "vs transport", "vs store",
    ];

    public static string Render(IEnumerable<RunResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", Header) + " |");
        text.AppendLine("|" + string.Concat(Enumerable.Repeat(" --- |", Header.Length)));
        foreach (var r in results)
        {
            string[] cells =
            [
                r.Scenario, r.Target, r.Door, Agents(r), Rate(r.SentPerSecond), Rate(r.AckedPerSecond), Rate(r.DeliveriesPerSecond),
                Ms(r.P50Ms), Ms(r.P90Ms), Ms(r.P99Ms), Ms(r.MaxMs), Int(r.Lost), Int(r.Duplicated), Int(r.OutOfOrder),
                r.Target == "store" ? "-" : r.ServerCpuSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                r.Target == "store" ? "-" : r.GeneratorCpuSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                r.Target == "store" ? "-" : r.ServerPeakRssMiB.ToString("0", CultureInfo.InvariantCulture),
                Ratio(r.RelayOverTransport), Ratio(r.RelayOverStore),
            ];
            text.AppendLine("| " + string.Join(" | ", cells) + " |");
        }
        return text.ToString();
    }

    /// <summary>The agents, or "connected/agents" when an idle run stopped connecting at its cap.</summary>
    private static string Agents(RunResult r) =>
        r.Connected > 0 && r.Connected < r.Agents ? $"{Int(r.Connected)}/{Int(r.Agents)}" : Int(r.Agents);

    private static string Int(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    private static string Rate(double value) => value == 0 ? "-" : value.ToString("N0", CultureInfo.InvariantCulture);
    private static string Ms(double value) => value == 0 ? "-" : value.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Ratio(double? value) => value is { } v ? v.ToString("P0", CultureInfo.InvariantCulture) : "";
}
