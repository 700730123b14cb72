using System.Threading.RateLimiting;

namespace SignalRelay.Server.Core;

/// <summary>A token bucket per agent (<see cref="TokenBucketSettings"/>).</summary>
public sealed class PerAgentTokenBucket : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly int _burst;
    private readonly TimeSpan _refillEvery;

    public PerAgentTokenBucket(int perSecond, int burst)
    {
        _burst = burst;
        var bucket = TokenBucketSettings.PerSecond(perSecond, burst);
        _refillEvery = bucket.ReplenishmentPeriod;
        // One factory for every partition: the partitioner runs on every message, and building the
        // partition from a shared delegate keeps that call free of allocations.
        Func<string, RateLimiter> create = _ => new RefilledOnTake(bucket);
        _limiter = PartitionedRateLimiter.Create<string, string>(agent => RateLimitPartition.Get(agent, create));
    }

    /// <summary>
    /// Takes <paramref name="tokens"/> from the agent's bucket, or nothing if it holds fewer. Asking for more than the
    /// burst asks for the whole burst: such a request can never be granted in full, but must not be granted for free.
    /// </summary>
    public bool TryTake(string agent, int tokens)
    {
        using var lease = _limiter.AttemptAcquire(agent, Math.Min(tokens, _burst));
        return lease.IsAcquired;
    }

    /// <summary>Takes <paramref name="tokens"/> as <see cref="TryTake"/> does, waiting for refills until the agent's bucket holds them.</summary>
    public ValueTask TakeAsync(string agent, int tokens, CancellationToken ct) =>
        TryTake(agent, tokens) ? ValueTask.CompletedTask : TokenBucketSettings.WaitForRefillAsync(() => TryTake(agent, tokens), _refillEvery, ct);

    public void Dispose() => _limiter.Dispose();
}
