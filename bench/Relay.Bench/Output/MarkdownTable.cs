using System.Globalization;
using System.Text;

namespace SignalRelay.Bench.Output;

/// <summary>
/// The results of a bench invocation as one Markdown table: per scenario and target, the median of its measured
/// passes, and for the relay the median and range of the ratios of its passes.
/// </summary>
public static class MarkdownTable
{
    private static readonly string[] Header =
    [
        "scenario", "target", "door", "agents", "passes", "sent/s", "acked/s", "deliveries/s", "p50 ms", "p90 ms", "p99 ms",
        "max ms", "lost", "dup", "ooo", "server CPU s", "bench CPU s", "peak RSS MiB", "vs transport", "vs store",
    ];

    /// <summary>The column added when other relays were measured (<c>--compare</c>).</summary>
    private const string ComparedHeader = "relay ÷ this";

    public static string Render(IReadOnlyList<RunResult> results)
    {
        var compared = results.Any(r => r.RelayOverThis is not null);
        string[] header = compared ? [.. Header, ComparedHeader] : Header;
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", header) + " |");
        text.AppendLine("|" + string.Concat(Enumerable.Repeat(" --- |", header.Length)));
        foreach (var passes in results.GroupBy(r => (r.Scenario, r.Target)).Select(g => g.ToList()))
        {
            var r = Median(passes, MedianKey);
            string[] cells =
            [
                r.Scenario, r.Target, r.Door, Agents(r), r.Pass is null ? "" : Int(passes.Count),
                Rate(r.SentPerSecond), Rate(r.AckedPerSecond), Rate(r.DeliveriesPerSecond),
                Ms(r.P50Ms), Ms(r.P90Ms), Ms(r.P99Ms), Ms(r.MaxMs),
                Int(passes.Sum(p => p.Lost)), Int(passes.Sum(p => p.Duplicated)), Int(passes.Sum(p => p.OutOfOrder)),
                r.Target == "store" ? "-" : r.ServerCpuSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                r.Target == "store" ? "-" : r.GeneratorCpuSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                r.Target == "store" ? "-" : passes.Max(p => p.ServerPeakRssMiB).ToString("0", CultureInfo.InvariantCulture),
                Ratios(passes.Select(p => p.RelayOverTransport)), Ratios(passes.Select(p => p.RelayOverStore)),
            ];
            if (compared)
            {
                cells = [.. cells, Times(passes.Select(p => p.RelayOverThis))];
            }
            text.AppendLine("| " + string.Join(" | ", cells) + " |");
        }
        return text.ToString();
    }

    /// <summary>
    /// What a pass is ranked by: its p99 when the load was offered at a fixed rate (every pass then carries the
    /// same messages per second), else its deliveries/s, or its ACKs/s where nothing is delivered.
    /// </summary>
    private static double MedianKey(RunResult r) =>
        r.OfferedRate > 0 ? r.P99Ms : r.DeliveriesPerSecond > 0 ? r.DeliveriesPerSecond : r.AckedPerSecond;

    /// <summary>The middle pass by <paramref name="key"/> (the lower middle of an even count).</summary>
    private static RunResult Median(List<RunResult> passes, Func<RunResult, double> key) =>
        passes.OrderBy(key).ElementAt((passes.Count - 1) / 2);

    /// <summary>"41 %" for one pass; "41 % (38–44 %)" for the median and range of several.</summary>
    private static string Ratios(IEnumerable<double?> values) => Spread(values, Ratio, Percent);

    /// <summary>"2.10×" for one pass; "2.10× (1.90–2.40×)" for the median and range of several.</summary>
    private static string Times(IEnumerable<double?> values) => Spread(values, Multiple, Number);

    /// <summary>One pass's value, or the median of several and their range, the range's low end without its unit.</summary>
    private static string Spread(IEnumerable<double?> values, Func<double, string> format, Func<double, string> bare)
    {
        var sorted = values.OfType<double>().Order().ToList();
        return sorted.Count switch
        {
            0 => "",
            1 => format(sorted[0]),
            _ => $"{format(sorted[(sorted.Count - 1) / 2])} ({bare(sorted[0])}–{format(sorted[^1])})",
        };
    }

    /// <summary>The agents, or "connected/agents" when an idle run stopped connecting at its cap.</summary>
    private static string Agents(RunResult r) =>
        r.Connected > 0 && r.Connected < r.Agents ? $"{Int(r.Connected)}/{Int(r.Agents)}" : Int(r.Agents);

    private static string Int(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    private static string Rate(double value) => value == 0 ? "-" : value.ToString("N0", CultureInfo.InvariantCulture);
    private static string Ms(double value) => value == 0 ? "-" : value.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Ratio(double value) => value.ToString("P0", CultureInfo.InvariantCulture);
    private static string Multiple(double value) => Number(value) + "×";
    private static string Number(double value) => value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
    private static string Percent(double value) => Math.Round(value * 100).ToString("0", CultureInfo.InvariantCulture);
}
