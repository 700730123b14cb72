using System.Threading.RateLimiting;

namespace SignalRelay.Server.Core;

/// <summary>
/// The WebSocket frames, hub messages, HTTP requests or HTTP/2 frames one connection may send per second. Past its
/// burst the connection's next frame waits, unread, until the budget allows, so a client flooding pings, bad frames or
/// refused messages slows down instead of taking the relay's CPU from everyone else, and loses nothing. Concurrent
/// callers (an HTTP/2 connection's streams) may share one.
/// </summary>
public sealed class FramePacer
{
    // No timer refills the bucket: 10,000 idle connections would cost 100,000 timer ticks a second. It is refilled by
    // the time gone by, as each frame asks. Without a timer or a queue the bucket holds nothing to release, so it is
    // never disposed: a connection's receive loop may still ask it after the connection has closed.
    private readonly TokenBucketRateLimiter _bucket;
    private readonly TimeSpan _refillEvery;
    private readonly FramePacing _pacing;
    private long _countedInRound = -1;
    private long _prepaid;

    internal FramePacer(FramePacing pacing)
    {
        var options = TokenBucketSettings.PerSecond(pacing.FramesPerSecond, pacing.FrameBurst);
        _bucket = new TokenBucketRateLimiter(options);
        _refillEvery = options.ReplenishmentPeriod;
        _pacing = pacing;
    }

    /// <summary>Takes one frame's token if the budget holds one now.</summary>
    public bool TryTake()
    {
        // Refilled before every take, not only once it is empty: .NET's bucket stops its clock while it is full, and its
        // next refill counts the time since, so refilled only when empty it gave a connection that had been idle up to
        // twice its burst at once.
        _bucket.TryReplenish();
        using var lease = _bucket.AttemptAcquire();
        return lease.IsAcquired;
    }

    /// <summary>Completes at once while the connection is within its budget, otherwise once a refill covers the frame.</summary>
    public ValueTask TakeAsync(CancellationToken ct) => TryTake() ? ValueTask.CompletedTask : WaitAsync(ct);

    /// <summary>
    /// Takes <paramref name="frames"/> frames' tokens, one after another, waiting for refills as needed; true once they
    /// are paid, false if the wait ends first because <paramref name="connectionClosed"/> fires or the relay stops.
    /// </summary>
    public ValueTask<bool> TakeUnlessAsync(int frames, CancellationToken ct, CancellationToken connectionClosed = default)
    {
        while (frames > 0 && TryTake())
        {
            frames--;
        }
        return frames == 0 ? ValueTask.FromResult(true) : WaitUnlessAsync(frames, ct, connectionClosed);
    }

    /// <summary>
    /// Records WebSocket frames paid for, each of which may carry one hub message without that message paying again
    /// (<see cref="TryTakePrepaid"/>): a hub connection pays once per frame or per message, whichever it sends more of.
    /// </summary>
    public void Prepay(int frames) => Interlocked.Add(ref _prepaid, frames);

    public bool TryTakePrepaid()
    {
        var left = Volatile.Read(ref _prepaid);
        while (left > 0)
        {
            var seen = Interlocked.CompareExchange(ref _prepaid, left - 1, left);
            if (seen == left)
            {
                return true;
            }
            left = seen;
        }
        return false;
    }

    private async ValueTask<bool> WaitUnlessAsync(int frames, CancellationToken ct, CancellationToken connectionClosed)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, connectionClosed, _pacing.RelayStopping);
        try
        {
            for (var i = 0; i < frames; i++)
            {
                await TakeAsync(either.Token);
            }
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private async ValueTask WaitAsync(CancellationToken ct)
    {
        _pacing.CountWaiting(ref _countedInRound);
        await TokenBucketSettings.WaitForRefillAsync(TryTake, _refillEvery, ct);
    }
}
