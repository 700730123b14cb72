using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// What the connections' queues may hold: items and bytes for each, and bytes for all of them together. The bound per
/// connection alone lets every connection that stops reading hold that much (300 such connections held 4.4 GB within
/// 45 s of directs), so past the relay-wide bound a connection with more than <see cref="Allowance"/> waiting is
/// dropped as a slow consumer instead of given more. Only bytes past each connection's allowance count relay-wide: a
/// connection that keeps up never has that much waiting, so the traffic's own path never writes the shared count.
/// </summary>
public sealed class QueueLimits
{
    /// <summary>Bytes each connection may have waiting before they count against the relay-wide bound.</summary>
    public const long Allowance = 64 * 1024;

    private long _counted;

    public QueueLimits(IOptions<RelayOptions> options)
    {
        var limits = options.Value.Limits;
        Capacity = limits.SendQueueCapacity;
        MaxBytesPerConnection = limits.MaxQueuedBytes;
        MaxBytesTotal = limits.MaxQueuedBytesTotal > 0
            ? limits.MaxQueuedBytesTotal
            : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;
    }

    public int Capacity { get; }
    public int MaxBytesPerConnection { get; }
    public long MaxBytesTotal { get; }

    /// <summary>Bytes waiting past their connections' allowances, all connections together.</summary>
    public long Waiting => Volatile.Read(ref _counted);

    /// <summary>Counts one connection's queue growing from <paramref name="before"/> bytes to <paramref name="after"/>; true if it is past its allowance and the total past the bound.</summary>
    public bool Grew(long before, long after)
    {
        var counted = Counted(after) - Counted(before);
        return counted > 0 && Interlocked.Add(ref _counted, counted) > MaxBytesTotal;
    }

    /// <summary>Counts one connection's queue shrinking from <paramref name="before"/> bytes to <paramref name="after"/>.</summary>
    public void Shrank(long before, long after)
    {
        var counted = Counted(before) - Counted(after);
        if (counted > 0)
        {
            Interlocked.Add(ref _counted, -counted);
        }
    }

    private static long Counted(long waiting) => Math.Max(0, waiting - Allowance);
}
