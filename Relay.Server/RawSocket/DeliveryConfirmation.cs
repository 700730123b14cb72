namespace SignalRelay.Server.RawSocket;

/// <summary>
/// What a raw client has provably read. After a run of writes the session's writer may add a ping naming the
/// last seq written so far; a client's WebSocket answers a ping only once it has read everything before it, so
/// its pong confirms that seq. One ping is out at a time, and they are spaced by <see cref="Interval"/> so a busy
/// connection pays almost nothing for them. A ping unanswered for <see cref="GiveUpAfter"/> is replaced (a client
/// may answer only the newest of several pings, such as the WebSocket's own keep-alive); a late pong to the ping it
/// replaced still confirms what that one covered.
/// </summary>
public sealed class DeliveryConfirmation
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan GiveUpAfter = 4 * Interval;

    // A random base makes a pong the client made up unlikely to match; a forged one only costs that client.
    private readonly ulong _base = (ulong)Random.Shared.NextInt64();
    private readonly Lock _gate = new();
    private ulong _sent;
    private Ping? _awaited;
    private Ping? _replaced;
    private long _confirmed;
    private long? _lastPingAt;

    // A notice (REPLAY_TRUNCATED, RESUME_TOO_OLD) has no seq of its own, so until a ping sent after it comes back
    // the seqs it explains are not skipped: a client that never read it is told again.
    private int _noticesWritten;
    private int _noticesConfirmed;

    /// <summary>A ping sent: its payload, and the seq and the count of notices written before it.</summary>
    private readonly record struct Ping(ulong Payload, long Seq, int Notices);

    /// <summary>The last seq the client has provably read.</summary>
    public long Confirmed
    {
        get { lock (_gate) return _confirmed; }
    }

    /// <summary>Whether something written is not confirmed yet and no ping is out for it.</summary>
    public bool NeedsPing(long written)
    {
        lock (_gate) return Unconfirmed(written) && !Awaiting(Environment.TickCount64);
    }

    /// <summary>A notice was written; it counts as unread until a later ping comes back.</summary>
    public void NoticeWritten()
    {
        lock (_gate) _noticesWritten++;
    }

    /// <summary>Raises the confirmed seq to <paramref name="seq"/> (what the client already had when it connected).</summary>
    public void ConfirmUpTo(long seq)
    {
        lock (_gate) _confirmed = Math.Max(_confirmed, seq);
    }

    /// <summary>
    /// Nothing after <paramref name="written"/> up to <paramref name="seq"/> is for this agent: if everything
    /// written is confirmed, so is that gap, and the cursor need not replay it.
    /// </summary>
    public void SkipTo(long written, long seq)
    {
        lock (_gate)
        {
            if (_confirmed >= written && _noticesConfirmed == _noticesWritten)
            {
                _confirmed = Math.Max(_confirmed, seq);
            }
        }
    }

    /// <summary>The payload of a ping to send after <paramref name="written"/>, or null when none is due.</summary>
    public ulong? TryStartPing(long written)
    {
        var now = Environment.TickCount64;
        lock (_gate)
        {
            return !Unconfirmed(written) || Awaiting(now) || now - _lastPingAt < (long)Interval.TotalMilliseconds
                ? null
                : Start(written, now);
        }
    }

    /// <summary>
    /// The payload of a last ping, sent just before the relay closes the connection, so that what the client read
    /// counts even when the ping interval or an earlier ping would hold it back; null when all is confirmed.
    /// </summary>
    public ulong? StartFinalPing(long written)
    {
        lock (_gate)
        {
            return Unconfirmed(written) ? Start(written, Environment.TickCount64) : null;
        }
    }

    public void OnPong(ulong payload)
    {
        lock (_gate)
        {
            if (_awaited is { } awaited && awaited.Payload == payload)
            {
                _awaited = null;
                Confirm(awaited);
            }
            else if (_replaced is { } replaced && replaced.Payload == payload)
            {
                _replaced = null;
                Confirm(replaced);
            }
        }
    }

    // Under the gate. A ping still out is replaced by this one, which confirms more; its pong still counts if it comes.
    private ulong Start(long written, long now)
    {
        _lastPingAt = now;
        _replaced = _awaited ?? _replaced;
        var ping = new Ping(_base + ++_sent, written, _noticesWritten);
        _awaited = ping;
        return ping.Payload;
    }

    private void Confirm(Ping ping)
    {
        _confirmed = Math.Max(_confirmed, ping.Seq);
        _noticesConfirmed = Math.Max(_noticesConfirmed, ping.Notices);
    }

    private bool Unconfirmed(long written) => written > _confirmed || _noticesConfirmed < _noticesWritten;

    private bool Awaiting(long now) => _awaited is not null && now - _lastPingAt < (long)GiveUpAfter.TotalMilliseconds;
}
