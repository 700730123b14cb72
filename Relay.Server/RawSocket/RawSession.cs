using System.Net.WebSockets;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;
using SignalRelay.Server.Operations;
using SignalRelay.Server.RawSocket.Dialects;

namespace SignalRelay.Server.RawSocket;

/// <summary>A frame the door built for one connection (a reply or an error), queued in request order.</summary>
public sealed record RawFrameOut(byte[] Frame) : Outbound
{
    public override int QueuedBytes => Frame.Length;
}

/// <summary>Wakes an idle writer so that it sends a delivery ping; nothing else is written for it.</summary>
public sealed record PingDue : Outbound
{
    public static readonly PingDue Instance = new();
}

/// <summary>A raw WebSocket as a relay session: items are encoded in the connection's dialect.</summary>
public sealed class RawSession(
    string agentId,
    IRawDialect dialect,
    WebSocket socket,
    CoalescingStream? transport,
    ClientFrameScanner? frames,
    QueueLimits queues,
    TimeSpan closeTimeout) : RelaySession(agentId, dialect.Protocol, queues)
{
    private readonly DeliveryConfirmation? _confirmation = WatchPongs(transport, frames);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pingRequested;

    public IRawDialect Dialect => dialect;

    /// <summary>Completes once the connection has read the peer's close (or stopped waiting for it) and left the registry.</summary>
    public override Task Finished => _finished.Task;

    public void MarkFinished() => _finished.TrySetResult();

    /// <summary>What the client's pongs confirm; without the coalescing stream, what was written.</summary>
    public override long ConfirmedSeq => _confirmation?.Confirmed ?? LastDeliveredSeq;

    /// <summary>Counts everything up to <paramref name="seq"/> as read: what the agent had before it connected.</summary>
    public void ConfirmUpTo(long seq) => _confirmation?.ConfirmUpTo(seq);

    /// <summary>Has an idle writer send a delivery ping when something written is not confirmed yet.</summary>
    public void RequestConfirmation()
    {
        // One request waits in the queue at a time, so a writer stuck on a slow client is not buried in them.
        if (_confirmation?.NeedsPing(LastDeliveredSeq) == true
            && Interlocked.Exchange(ref _pingRequested, 1) == 0
            && !TryEnqueue(PingDue.Instance))
        {
            Volatile.Write(ref _pingRequested, 0);
        }
    }

    /// <summary>The close timeout: the reason and the close frame that follow get as long again.</summary>
    protected override TimeSpan FellBehindGrace => closeTimeout;

    protected override void Skipping(long seq) => _confirmation?.SkipTo(LastDeliveredSeq, seq);

    /// <summary>Delivery pings need both the stream that sends them and the scanner that sees their pongs.</summary>
    private static DeliveryConfirmation? WatchPongs(CoalescingStream? transport, ClientFrameScanner? frames)
    {
        if (transport is null || frames is null)
        {
            return null;
        }
        var confirmation = new DeliveryConfirmation();
        frames.OnPong = confirmation.OnPong;
        return confirmation;
    }

    /// <summary>
    /// Ends the session: what is already queued is written, then the reason and the close frame, all within
    /// the close timeout. Cutting a write short would abort the socket and lose the reason.
    /// </summary>
    public void End(RelayError reason)
    {
        Close(reason, drain: true);
        AbortAfter(closeTimeout);
    }

    /// <summary>Ends the session and waits for its pump to finish.</summary>
    public async Task EndAsync(RelayError reason, Task pump)
    {
        End(reason);
        await pump;
        // Disarms the abort timer, which would otherwise keep this session reachable until it fired.
        AbortAfter(Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Sends without a token, which lets the WebSocket take its fast path (no per-frame cancellation
    /// registration); a send that cannot complete at once aborts the socket on cancellation, as a cancelled
    /// WebSocket send does itself. A frame shared by many receivers goes to the connection's stream already
    /// framed, the same bytes for all of them. This writer is the only one sending data frames and it sends
    /// the close frame last, so frames written past the WebSocket object stay in order with its own; they
    /// never interleave, because every frame reaches the stream as one write.
    /// </summary>
    protected override ValueTask WriteAsync(Outbound item, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (item is PingDue)
        {
            Volatile.Write(ref _pingRequested, 0);
            return ValueTask.CompletedTask;
        }
        if (item is NoticeOut)
        {
            _confirmation?.NoticeWritten();
        }
        var sending = transport is not null && Framed(item) is { } frame
            ? transport.WriteAsync(frame)
            : socket.SendAsync(Encode(item).AsMemory(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        return sending.IsCompletedSuccessfully ? sending : AbortOnCancelAsync(sending, ct);
    }

    protected override void HoldWrites() => transport?.Hold();

    /// <summary>
    /// Releases even when the session is being cut short: the reason and the close frame that follow must not
    /// be held back. A release that cannot complete at once is aborted on cancellation, like any other send.
    /// A delivery ping, when one is due, goes out last, after everything it confirms.
    /// </summary>
    protected override ValueTask ReleaseWritesAsync(CancellationToken ct)
    {
        if (transport is null)
        {
            return ValueTask.CompletedTask;
        }
        var sending = _confirmation?.TryStartPing(LastDeliveredSeq) is { } ping
            ? PingThenReleaseAsync(transport, ping)
            : transport.ReleaseAsync(CancellationToken.None);
        return sending.IsCompletedSuccessfully ? sending : AbortOnCancelAsync(sending, ct);
    }

    private static async ValueTask PingThenReleaseAsync(CoalescingStream transport, ulong ping)
    {
        await transport.WriteAsync(WebSocketFrames.Ping(ping));
        await transport.ReleaseAsync(CancellationToken.None);
    }

    private async ValueTask AbortOnCancelAsync(ValueTask sending, CancellationToken ct)
    {
        await using (ct.UnsafeRegister(static s => ((WebSocket)s!).Abort(), socket))
        {
            await sending;
        }
    }

    private byte[]? Framed(Outbound item) => item switch
    {
        EnvelopeOut e => e.FramedFor(dialect.EncodingSlot, dialect.EncodeEnvelope, WebSocketFrames.Text),
        PresenceOut p => p.FramedFor(dialect.EncodingSlot, dialect.EncodePresence, WebSocketFrames.Text),
        _ => null,
    };

    private byte[] Encode(Outbound item) => item switch
    {
        RawFrameOut raw => raw.Frame,
        EnvelopeOut e => e.EncodedFor(dialect.EncodingSlot, dialect.EncodeEnvelope),
        PresenceOut p => p.EncodedFor(dialect.EncodingSlot, dialect.EncodePresence),
        NoticeOut n => dialect.EncodeError(n.Error),
        _ => throw new InvalidOperationException($"A raw socket cannot send {item.GetType().Name}."),
    };

    /// <summary>
    /// When the relay ends a connection (shutdown, an expired token), a last ping goes out just before the close
    /// frame: a client that takes everything before the close answers it, and what it read counts, so it is not sent
    /// again when the agent comes back. Not when a new connection replaced this one: its replay was planned from what
    /// this one had confirmed by then, and a later pong would change nothing.
    /// </summary>
    protected override Task CloseTransportAsync(RelayError reason) =>
        RawClose.SendAsync(socket, CloseCodes.IsNormal(reason) ? null : dialect.EncodeError(reason), reason, closeTimeout,
            reason.Code == ErrorCodes.SessionReplaced ? null : SendFinalPingAsync);

    private async ValueTask SendFinalPingAsync(CancellationToken ct)
    {
        if (transport is not null && socket.State == WebSocketState.Open && _confirmation?.StartFinalPing(LastDeliveredSeq) is { } ping)
        {
            await transport.WriteAsync(WebSocketFrames.Ping(ping), ct);
        }
    }
}
