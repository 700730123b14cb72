using System.Text.Json;
using System.Threading.Channels;
using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>
/// One live connection of one agent, whatever its door. Everything the relay sends it goes through a
/// queue drained by a single writer and bounded in items and in bytes; a connection whose queue overflows is
/// dropped, so a slow receiver never slows anyone else nor fills the relay's memory. Its messages stay in the
/// store for replay.
/// </summary>
public abstract class RelaySession
{
    private static readonly RelayError SlowConsumer = new()
    {
        Code = ErrorCodes.SlowConsumer,
        Message = "The connection fell too far behind; reconnect to replay what was missed.",
        Recoverable = false,
    };

    private readonly Channel<Outbound> _queue;
    private readonly QueueLimits _limits;
    private long _queuedBytes;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RelayError? _closeReason;
    private volatile bool _dropQueued;
    private long _lastDeliveredSeq;
    private bool _replayStarted;
    private long _lastActivityTicks = DateTimeOffset.UtcNow.UtcTicks;

    protected RelaySession(string agentId, string protocol, QueueLimits limits)
    {
        AgentId = agentId;
        Protocol = protocol;
        _limits = limits;
        _queue = Channel.CreateBounded<Outbound>(new BoundedChannelOptions(limits.Capacity)
        {
            // A connection dropped as slow empties its queue from the thread that dropped it, beside its writer.
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string AgentId { get; }
    public string Protocol { get; }
    public string SessionId { get; } = Guid.NewGuid().ToString("N");
    public JsonElement? Metadata { get; set; }

    /// <summary>Where the registration falls among presence changes: the session hears only the later ones.</summary>
    public long RegistrationStamp { get; internal set; }

    /// <summary>Whether the writer has begun the replay: the agent's cursor may have moved.</summary>
    public bool ReplayStarted => Volatile.Read(ref _replayStarted);

    /// <summary>The last seq written to the connection.</summary>
    public long LastDeliveredSeq => Volatile.Read(ref _lastDeliveredSeq);

    /// <summary>
    /// The last seq the agent provably has: its cursor while it is connected and after it leaves. A transport
    /// that cannot tell counts what was written.
    /// </summary>
    public virtual long ConfirmedSeq => LastDeliveredSeq;

    public DateTimeOffset LastActivity => new(Volatile.Read(ref _lastActivityTicks), TimeSpan.Zero);
    public RelayError? CloseReason => Volatile.Read(ref _closeReason);
    public bool IsClosed => CloseReason is not null;

    /// <summary>Completes when the writer has stopped and the transport was told to close.</summary>
    public Task Completion => _completed.Task;

    /// <summary>
    /// Completes when the connection is over and the agent's cursor has taken everything it confirmed: for a
    /// transport that confirms nothing after the close, with <see cref="Completion"/>.
    /// </summary>
    public virtual Task Finished => Completion;

    public void Touch() => Volatile.Write(ref _lastActivityTicks, DateTimeOffset.UtcNow.UtcTicks);

    /// <summary>
    /// Queues a frame without waiting; drops the connection when its queue is full, in items or in bytes, or when it
    /// has more than its allowance waiting while all the queues together are past the relay's bound
    /// (<see cref="QueueLimits"/>). One item alone always fits, however large (a history reply holds up to
    /// <c>MaxReplyBytes</c> of messages, more when its first message alone is larger). Counting items alone would not
    /// do: 4,096 directs of 64 KB each is 256 MB waiting for one connection that reads nothing.
    /// </summary>
    public bool Enqueue(Outbound item)
    {
        var size = item.QueuedBytes;
        var waiting = Interlocked.Add(ref _queuedBytes, size);
        var pastRelayBound = _limits.Grew(waiting - size, waiting);
        if ((waiting == size || (waiting <= _limits.MaxBytesPerConnection && !pastRelayBound)) && _queue.Writer.TryWrite(item))
        {
            return true;
        }
        Dequeued(size);
        FellBehind();
        return false;
    }

    private void Dequeued(long size)
    {
        var waiting = Interlocked.Add(ref _queuedBytes, -size);
        _limits.Shrank(waiting + size, waiting);
    }

    /// <summary>
    /// Drops the connection as one that stopped keeping up, as a full queue does. What is queued is dropped, but a write
    /// already waiting on the client's socket gets <see cref="FellBehindGrace"/> to finish before the transport is
    /// aborted: a client that was only slow then reads on to the reason and the close, instead of a reset connection.
    /// </summary>
    protected void FellBehind()
    {
        if (!CloseOnce(SlowConsumer, drain: false))
        {
            return;
        }
        if (FellBehindGrace > TimeSpan.Zero)
        {
            _abort.CancelAfter(FellBehindGrace);
        }
        else
        {
            _abort.Cancel();
        }
        // Not left for the writer, which may wait out the grace: what no one will write leaves the relay-wide count now.
        while (_queue.Reader.TryRead(out var dropped))
        {
            Dequeued(dropped.QueuedBytes);
        }
    }

    /// <summary>How long a write in progress may take once the connection was dropped as slow; zero aborts it at once.</summary>
    protected virtual TimeSpan FellBehindGrace => TimeSpan.Zero;

    /// <summary>Queues an item that holds nothing (<see cref="Outbound.QueuedBytes"/> 0) if there is room, and otherwise leaves the session as it is.</summary>
    protected bool TryEnqueue(Outbound item) => _queue.Writer.TryWrite(item);

    /// <summary>
    /// Ends the session once; later calls are ignored. With <paramref name="drain"/> the frames already queued
    /// are written first; without it they are dropped. Either way the reason is sent before the transport closes.
    /// </summary>
    public void Close(RelayError reason, bool drain)
    {
        if (CloseOnce(reason, drain) && !drain)
        {
            _abort.Cancel();
        }
    }

    /// <summary>Sets the reason and stops the queue (and, without <paramref name="drain"/>, its writing); false when already closed.</summary>
    private bool CloseOnce(RelayError reason, bool drain)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return false;
        }
        _dropQueued = !drain;
        _queue.Writer.TryComplete();
        return true;
    }

    /// <summary>Bounds how long a draining close may take.</summary>
    public void AbortAfter(TimeSpan delay) => _abort.CancelAfter(delay);

    /// <summary>
    /// The single writer: first the plan (presence snapshot, notices, missed messages), then live frames,
    /// until the session is closed. Then the transport is closed with the reason.
    /// </summary>
    public async Task RunAsync(IAsyncEnumerable<Outbound> plan)
    {
        var ct = _abort.Token;
        try
        {
            if (!await WritePlanAsync(plan, ct))
            {
                return;
            }
            var queued = _queue.Reader;
            while (!_dropQueued && await queued.WaitToReadAsync(ct))
            {
                HoldWrites();
                try
                {
                    while (!_dropQueued && queued.TryRead(out var item))
                    {
                        await WriteTrackedAsync(item, ct);
                        Dequeued(item.QueuedBytes);
                    }
                }
                finally
                {
                    await ReleaseWritesAsync(ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (RelayException ex)
        {
            Close(ex.Error, drain: false);
        }
        catch (Exception ex)
        {
            Close(new RelayError { Code = "CONNECTION_LOST", Message = ex.Message, Recoverable = false }, drain: false);
        }
        finally
        {
            // What was never written leaves the relay-wide count; nothing can be queued any more.
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var unwritten))
            {
                Dequeued(unwritten.QueuedBytes);
            }
            try
            {
                await CloseTransportAsync(CloseReason ?? new RelayError { Code = "CLOSED", Message = "Session ended.", Recoverable = false });
            }
            catch (Exception)
            {
                // The transport may already be gone; there is nobody left to tell.
            }
            _completed.TrySetResult();
        }
    }

    /// <summary>
    /// Writes the plan in runs, as live frames are written, so that a transport that confirms what its client read can
    /// do so while a long replay goes out: else a client that reads a replay more slowly than it is written, and is
    /// dropped behind it, would be sent it all again from the start, every time. Stops, returning false, once the
    /// session is closed (the agent left, or the relay is stopping): the rest is replayed when it comes back, and the
    /// live frames queued behind the plan are not written either, or the cursor would pass over what was left out.
    /// </summary>
    private async Task<bool> WritePlanAsync(IAsyncEnumerable<Outbound> plan, CancellationToken ct)
    {
        const int Run = 64;
        var written = 0;
        HoldWrites();
        try
        {
            await foreach (var item in plan.WithCancellation(ct))
            {
                if (IsClosed)
                {
                    return false;
                }
                await WriteTrackedAsync(item, ct);
                if (++written % Run == 0)
                {
                    await ReleaseWritesAsync(ct);
                    HoldWrites();
                }
            }
            return true;
        }
        finally
        {
            await ReleaseWritesAsync(ct);
        }
    }

    private async ValueTask WriteTrackedAsync(Outbound item, CancellationToken ct)
    {
        switch (item)
        {
            case CaughtUpOut caughtUp:
                Volatile.Write(ref _replayStarted, true);
                Skipping(caughtUp.Seq);
                MoveCursor(caughtUp.Seq);
                break;
            case PresenceBatchOut batch:
                foreach (var notice in batch.Notices)
                {
                    await WriteAsync(notice, ct);
                }
                break;
            case EnvelopeOut e:
                Volatile.Write(ref _replayStarted, true);
                Skipping(e.Envelope.Seq - 1);
                await WriteAsync(item, ct);
                MoveCursor(e.Envelope.Seq);
                break;
            default:
                await WriteAsync(item, ct);
                break;
        }
    }

    // Only the writer moves the cursor.
    private void MoveCursor(long seq)
    {
        if (seq > _lastDeliveredSeq)
        {
            Volatile.Write(ref _lastDeliveredSeq, seq);
        }
    }

    /// <summary>
    /// Called by the writer when nothing after the last seq written, up to <paramref name="seq"/>, is for this agent
    /// (the seqs before the next message it gets, or the rest of a replay).
    /// </summary>
    protected virtual void Skipping(long seq)
    {
    }

    /// <summary>Called before a run of writes of everything queued; a transport may gather them from here on.</summary>
    protected virtual void HoldWrites()
    {
    }

    /// <summary>Called after the run: whatever was gathered goes out now.</summary>
    protected virtual ValueTask ReleaseWritesAsync(CancellationToken ct) => ValueTask.CompletedTask;

    /// <summary>Writes one frame to the wire.</summary>
    protected abstract ValueTask WriteAsync(Outbound item, CancellationToken ct);

    /// <summary>Tells the peer why (best effort) and closes the transport.</summary>
    protected abstract Task CloseTransportAsync(RelayError reason);
}
