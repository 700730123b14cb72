using System.Threading.RateLimiting;

namespace SignalRelay.Server.Core;

/// <summary>
/// A token bucket (<see cref="TokenBucketSettings.PerSecond"/>) refilled by the time gone by whenever a take finds it
/// short, so it keeps its rate whatever its burst. As a partition of a <see cref="PartitionedRateLimiter"/> it is also
/// refilled by the partitions' own timer, ten times a second: that keeps its clock fresh while it is full (.NET's bucket
/// counts a refill from the last one, so a clock left standing while full would give an idle bucket up to twice its
/// burst at once), and lets an idle one fill up and be let go. A take that finds tokens, nearly every one, costs what a
/// plain bucket's does.
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
        var lease = _bucket.AttemptAcquire(permitCount);
        if (lease.IsAcquired)
        {
            return lease;
        }
        lease.Dispose();
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
