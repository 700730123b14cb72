using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket;

/// <summary>Ends a session when its access token expires; a fresh token moves the deadline.</summary>
public sealed class TokenExpiry(RelaySession session, TimeProvider clock) : IDisposable
{
    // Longer waits are taken in steps: timers cannot wait more than about 49 days.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly Lock _gate = new();
    private ITimer? _timer;
    private DateTimeOffset? _expiresAt;

    /// <summary>Sets the deadline; null means the credentials do not expire.</summary>
    public void Set(DateTimeOffset? expiresAt)
    {
        lock (_gate)
        {
            _expiresAt = expiresAt;
            Schedule();
        }
    }

    private void Schedule()
    {
        if (_expiresAt is not { } at)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var due = at - clock.GetUtcNow();
        _timer ??= clock.CreateTimer(static state => ((TokenExpiry)state!).OnDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestWait ? LongestWait : due, Timeout.InfiniteTimeSpan);
    }

    private void OnDue()
    {
        lock (_gate)
        {
            if (_expiresAt is not { } at)
            {
                return;
            }
            if (clock.GetUtcNow() < at)
            {
                Schedule();
                return;
            }
        }
        session.Close(RawErrors.TokenExpired, drain: false);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            _expiresAt = null;
        }
    }
}
