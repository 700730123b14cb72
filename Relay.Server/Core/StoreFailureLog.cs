namespace SignalRelay.Server.Core;

/// <summary>
/// The store's failures (a read, a commit, a presence write) as the log tells them. Most refuse a client with
/// <c>STORE_UNAVAILABLE</c>, and every client of a failing store is refused and comes back within seconds, so a line with a
/// stack trace for each would bury the log. The first failure of an episode is logged as an error with its exception; the
/// ones after it are counted and told once an interval, with the last one's message; an interval without a failure ends
/// the episode.
/// </summary>
public sealed class StoreFailureLog(ILogger<StoreFailureLog> logger) : PeriodicService(logger)
{
    private readonly Lock _lock = new();
    private bool _failing;
    private bool _failedThisInterval;
    private int _counted;
    private string? _lastWhat;
    private string? _lastError;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(10);

    /// <param name="what">What failed, as a phrase: "reading its history".</param>
    public void Failed(string what, Exception error)
    {
        lock (_lock)
        {
            _failedThisInterval = true;
            if (_failing)
            {
                _counted++;
                (_lastWhat, _lastError) = (what, error.Message);
                return;
            }
            _failing = true;
        }
        logger.LogError(error, "The store failed {What}; what needs it is refused with STORE_UNAVAILABLE, and further failures are counted every {Seconds} s",
            what, Interval.TotalSeconds);
    }

    protected override Task RunOnceAsync(CancellationToken ct)
    {
        int counted;
        string? lastWhat, lastError;
        bool ended;
        lock (_lock)
        {
            (counted, lastWhat, lastError) = (_counted, _lastWhat, _lastError);
            ended = _failing && !_failedThisInterval;
            _failing &= _failedThisInterval;
            _failedThisInterval = false;
            _counted = 0;
        }
        if (counted > 0)
        {
            logger.LogWarning("The store is still failing: {Count} more reads or writes failed in the last {Seconds} s, the last {What}: {Error}",
                counted, Interval.TotalSeconds, lastWhat, lastError);
        }
        else if (ended)
        {
            logger.LogInformation("No store read or write has failed for {Seconds} s", Interval.TotalSeconds);
        }
        return Task.CompletedTask;
    }
}
