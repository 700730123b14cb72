using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>A token bucket per agent, shared by every door, so no agent can flood the bus.</summary>
public sealed class SendRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public SendRateLimiter(IOptions<RelayOptions> options)
    {
        var limits = options.Value.Limits;
        const int periodsPerSecond = 10;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.Burst,
            TokensPerPeriod = Math.Max(1, limits.MessagesPerSecond / periodsPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1.0 / periodsPerSecond),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        // One factory for every partition: the partitioner runs on every message, and building the
        // partition from a shared delegate keeps that call free of allocations.
        Func<string, RateLimiter> create = _ => new TokenBucketRateLimiter(bucket);
        _limiter = PartitionedRateLimiter.Create<string, string>(agent => RateLimitPartition.Get(agent, create));
    }

    /// <summary>Throws <c>RATE_LIMITED</c> when the agent has used up its burst.</summary>
    public void Take(string agent)
    {
        using var lease = _limiter.AttemptAcquire(agent);
        if (!lease.IsAcquired)
        {
            throw new RelayException(ErrorCodes.RateLimited, "Too many messages; slow down and resend.");
        }
    }

    public void Dispose() => _limiter.Dispose();
}
