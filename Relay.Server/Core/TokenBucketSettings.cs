using System.Threading.RateLimiting;

namespace SignalRelay.Server.Core;

/// <summary>
/// Token buckets given as a rate per second, refilled ten times a second (once a token for rates under ten). A request
/// past the tokens left is refused at once, never queued.
/// </summary>
public static class TokenBucketSettings
{
    public static TokenBucketRateLimiterOptions PerSecond(int perSecond, int burst, bool autoReplenishment)
    {
        var periodsPerSecond = Math.Min(10, perSecond);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond / periodsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1.0 / periodsPerSecond),
            QueueLimit = 0,
            AutoReplenishment = autoReplenishment,
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
