namespace SignalRelay.Server.Core;

/// <summary>
/// Whether commits are failing; read by the readiness check. A failed commit counts until one succeeds or
/// <see cref="FailureHold"/> has passed: a platform routes clients away from an unready relay, which would otherwise
/// leave no one to send the commit that clears it. If the store still fails, the next commit says so again.
/// </summary>
public sealed class StoreHealth(TimeProvider clock)
{
    public static readonly TimeSpan FailureHold = TimeSpan.FromSeconds(10);

    private volatile Failure? _last;

    public Exception? CurrentFailure => _last is { } last && clock.GetUtcNow() - last.At < FailureHold ? last.Error : null;

    public void ReportSuccess() => _last = null;

    public void ReportFailure(Exception error) => _last = new Failure(error, clock.GetUtcNow());

    private sealed record Failure(Exception Error, DateTimeOffset At);
}
