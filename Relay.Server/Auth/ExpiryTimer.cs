namespace SignalRelay.Server.Auth;

/// <summary>
/// Runs a callback once a credential's deadline passes; presenting a fresh credential moves the deadline.
/// Both doors end their sessions with it: a raw socket on a token's expiry, and the hub too, because SignalR's
/// own CloseOnAuthenticationExpiration fixes the deadline at the handshake and cannot be moved on a live
/// connection.
/// </summary>
public sealed class ExpiryTimer : IDisposable
{
    // A System.Threading timer cannot wait much beyond 49 days; a later deadline is approached in steps.
    private static readonly TimeSpan MaxStep = TimeSpan.FromDays(7);

    private readonly Action _expired;
    private readonly TimeProvider _clock;
    private readonly ITimer _timer;
    private long _deadlineTicks = long.MaxValue;

    public ExpiryTimer(Action expired, TimeProvider clock)
    {
        _expired = expired;
        _clock = clock;
        _timer = clock.CreateTimer(static self => ((ExpiryTimer)self!).Check(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Sets the deadline; null: never.</summary>
    public void Set(DateTimeOffset? deadline)
    {
        Interlocked.Exchange(ref _deadlineTicks, deadline?.UtcTicks ?? long.MaxValue);
        Check();
    }

    private void Check()
    {
        var deadline = Interlocked.Read(ref _deadlineTicks);
        if (deadline == long.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var left = TimeSpan.FromTicks(deadline - _clock.GetUtcNow().UtcTicks);
        if (left <= TimeSpan.Zero)
        {
            _expired();
            return;
        }
        _timer.Change(left < MaxStep ? left : MaxStep, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();
}
