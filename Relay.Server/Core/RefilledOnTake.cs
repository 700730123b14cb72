using System.Threading.RateLimiting;

namespace SignalRelay.Server.Core;

/// <summary>
/// A token bucket (<see cref="TokenBucketSettings.PerSecond"/>) refilled by the time gone by before every take, so it
/// keeps its rate whatever its burst. As a partition of a <see cref="PartitionedRateLimiter"/> it is refilled by the
/// partitions' own timer too, so an idle one fills up and is let go. Refilled only when empty it would also give a
/// bucket that had been idle up to twice its burst at once: .NET's bucket stops its clock while it is full.
/// </summary>
public sealed class RefilledOnTake(TokenBucketRateLimiterOptions options) : ReplenishingRateLimiter
{
    private readonly TokenBucketRateLimiter _bucket = new(options);

    public override TimeSpan? IdleDuration => _bucket.IdleDuration;
    public override bool IsAutoReplenishing => false;
    public override TimeSpan ReplenishmentPeriod => _bucket.ReplenishmentPeriod;

    public override bool TryReplenish() => _bucket.TryReplenish();

    public override RateLimiterStatistics? GetStatistics() => _bucket.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        _bucket.TryReplenish();
        return _bucket.AttemptAcquire(permitCount);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        _bucket.TryReplenish();
        return _bucket.AcquireAsync(permitCount, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _bucket.Dispose();
        }
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore() => await _bucket.DisposeAsync();
}
