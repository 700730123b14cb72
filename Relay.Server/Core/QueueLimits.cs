using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// What the connections' queues may hold: items and bytes for each, and bytes for all of them together. The bound per
/// connection alone lets every connection that stops reading hold that much (300 such connections held 2.5 GB within
/// 30 s of directs), so past the relay-wide bound a connection that already has something waiting is dropped as a
/// slow consumer instead of given more. A connection that keeps up has nothing waiting and is never dropped for it.
/// </summary>
public sealed class QueueLimits
{
    private long _waiting;

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

    /// <summary>Bytes waiting in every connection's queue together.</summary>
    public long Waiting => Volatile.Read(ref _waiting);

    /// <summary>Counts <paramref name="bytes"/> more waiting (fewer, when negative); returns the new total.</summary>
    public long Add(long bytes) => Interlocked.Add(ref _waiting, bytes);
}
