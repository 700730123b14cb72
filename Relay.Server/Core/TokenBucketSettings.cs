using System.Threading.RateLimiting;

namespace SignalRelay.Server.Core;

/// <summary>
/// Token buckets given as a rate per second, refilled by the time gone by at exactly that rate. A request past the
/// tokens left is refused at once, never queued.
/// </summary>
public static class TokenBucketSettings
{
    /// <summary>
    /// A bucket to be refilled as each request asks (<see cref="RefilledOnTake"/>), never by a timer: a timer adds a
    /// period's tokens at a time and cuts them to the burst, so a burst under a period's share of the rate (500 a
    /// second with a burst of 1) let through one burst a period, a tenth of the rate or less. The period is at most a
    /// tenth of a second and holds a whole number of tokens, so that a rate that is no multiple of ten is kept exactly
    /// (19 a second was 10); it is also how long a wait for a refill sleeps between tries.
    /// </summary>
    public static TokenBucketRateLimiterOptions PerSecond(int perSecond, int burst)
    {
        var tokensPerPeriod = (perSecond + 9) / 10;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromTicks(TimeSpan.TicksPerSecond * tokensPerPeriod / perSecond),
            QueueLimit = 0,
            AutoReplenishment = false,
        };
    }

    /// <summary>
    /// Waits a refill <paramref name="period"/> at a time until <paramref name="tryTake"/> succeeds. Real time, whatever
    /// clock the relay runs on: the buckets count their refills by the stopwatch.
    /// </summary>
    public static async ValueTask WaitForRefillAsync(Func<bool> tryTake, TimeSpan period, CancellationToken ct)
    {
        do
        {
            await Task.Delay(period, ct);
        }
        while (!tryTake());
    }
}
