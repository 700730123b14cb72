using System.Diagnostics;

namespace SignalRelay.Bench.Measure;

/// <summary>Send-to-receipt latency percentiles, in milliseconds.</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double Max)
{
    public static LatencySummary Of(List<long> stopwatchTicks)
    {
        if (stopwatchTicks.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0);
        }
        stopwatchTicks.Sort();
        return new LatencySummary(At(stopwatchTicks, 0.50), At(stopwatchTicks, 0.90), At(stopwatchTicks, 0.99), Ms(stopwatchTicks[^1]));
    }

    private static double At(List<long> sorted, double quantile) =>
        Ms(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)]);

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
