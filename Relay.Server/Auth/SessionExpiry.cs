using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Auth;

/// <summary>
/// Ends a session with <c>TOKEN_EXPIRED</c> when its token lapses; a fresh token moves the deadline.
/// The relay keeps this deadline itself because SignalR's own close-on-expiration is fixed at the handshake
/// and cannot be moved on a live connection.
/// </summary>
public sealed class SessionExpiry : IDisposable
{
    // System.Threading timers cannot wait longer than about 49 days; a later deadline is reached in steps.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(30);

    private static readonly RelayError Expired = new()
    {
        Code = ErrorCodes.TokenExpired,
        Message = "The access token expired; reconnect with a fresh token, or present a fresh one before it expires.",
        Recoverable = false,
    };

    private readonly RelaySession _session;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private long _deadlineTicks;

    public SessionExpiry(RelaySession session, DateTimeOffset expiresAt, TimeProvider time)
    {
        _session = session;
        _time = time;
        _timer = time.CreateTimer(_ => OnDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        ExtendTo(expiresAt);
    }

    public DateTimeOffset ExpiresAt => new(Interlocked.Read(ref _deadlineTicks), TimeSpan.Zero);

    public void ExtendTo(DateTimeOffset expiresAt)
    {
        Interlocked.Exchange(ref _deadlineTicks, expiresAt.UtcTicks);
        Schedule();
    }

    private void OnDue()
    {
        if (_time.GetUtcNow() >= ExpiresAt)
        {
            _session.Close(Expired, drain: false);
        }
        else
        {
            Schedule();
        }
    }

    private void Schedule()
    {
        var wait = ExpiresAt - _time.GetUtcNow();
        _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > LongestWait ? LongestWait : wait, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();
}
