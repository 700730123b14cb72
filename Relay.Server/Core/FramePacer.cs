using System.Threading.RateLimiting;

namespace SignalRelay.Server.Core;

/// <summary>
/// The frames (raw), calls (hub) or requests (HTTP) one connection may send per second. Past its burst the connection's next frame
/// waits, unread, until the budget allows, so a client flooding pings, bad frames or refused messages slows down
/// instead of taking the relay's CPU from everyone else, and loses nothing. Concurrent callers (an HTTP/2 connection's streams) may share one.
/// </summary>
public sealed class FramePacer
{
    // No timer refills the bucket: 10,000 idle connections would cost 100,000 timer ticks a second. It is refilled by
    // the time gone by, when a frame finds it empty. Without a timer or a queue the bucket holds nothing to release, so
    // it is never disposed: a connection's receive loop may still ask it after the connection has closed.
    private readonly TokenBucketRateLimiter _bucket;
    private readonly TimeSpan _refillEvery;
    private readonly FramePacing _pacing;
    private long _countedInRound = -1;

    internal FramePacer(FramePacing pacing)
    {
        var options = TokenBucketSettings.PerSecond(pacing.FramesPerSecond, pacing.FrameBurst, autoReplenishment: false);
        _bucket = new TokenBucketRateLimiter(options);
        _refillEvery = options.ReplenishmentPeriod;
        _pacing = pacing;
    }

    /// <summary>Takes one frame's token if the budget holds one now.</summary>
    public bool TryTake()
    {
        using (var lease = _bucket.AttemptAcquire())
        {
            if (lease.IsAcquired)
            {
                return true;
            }
        }
        _bucket.TryReplenish();
        using var retry = _bucket.AttemptAcquire();
        return retry.IsAcquired;
    }

    /// <summary>Completes at once while the connection is within its budget, otherwise once a refill covers the frame.</summary>
    public ValueTask TakeAsync(CancellationToken ct) => TryTake() ? ValueTask.CompletedTask : WaitAsync(ct);

    private async ValueTask WaitAsync(CancellationToken ct)
    {
        _pacing.CountWaiting(ref _countedInRound);
        await TokenBucketSettings.WaitForRefillAsync(TryTake, _refillEvery, ct);
    }
}
