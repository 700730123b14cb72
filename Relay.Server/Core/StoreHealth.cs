namespace SignalRelay.Server.Core;

/// <summary>
/// Whether commits are failing or stuck; read by the readiness check. A failed commit counts until one succeeds or
/// <see cref="FailureHold"/> has passed: a platform routes clients away from an unready relay, which would otherwise
/// leave no one to send the commit that clears it. If the store still fails, the next commit says so again. A commit
/// that has waited on the store for <see cref="StallAfter"/> (a stalled disk, another process holding the database's
/// write lock) counts as failing until it ends.
/// </summary>
public sealed class StoreHealth(TimeProvider clock)
{
    public static readonly TimeSpan FailureHold = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(5);

    private volatile Failure? _last;
    // When the commit in progress began, in UTC ticks; 0 while none is.
    private long _commitStarted;

    public bool CommitInProgress => Volatile.Read(ref _commitStarted) != 0;

    public Exception? CurrentFailure
    {
        get
        {
            var now = clock.GetUtcNow();
            var started = Volatile.Read(ref _commitStarted);
            if (started != 0 && now.UtcTicks - started >= StallAfter.Ticks)
            {
                return new TimeoutException($"A commit has waited on the store for more than {StallAfter.TotalSeconds:0} s.");
            }
            return _last is { } last && now - last.At < FailureHold ? last.Error : null;
        }
    }

    public void ReportCommitStarting() => Volatile.Write(ref _commitStarted, clock.GetUtcNow().UtcTicks);

    public void ReportSuccess()
    {
        _last = null;
        Volatile.Write(ref _commitStarted, 0);
    }

    public void ReportFailure(Exception error)
    {
        _last = new Failure(error, clock.GetUtcNow());
        Volatile.Write(ref _commitStarted, 0);
    }

    private sealed record Failure(Exception Error, DateTimeOffset At);
}
