using System.Text.Json;
using System.Threading.Channels;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// Keeps one hub connection's sends and stream items in the order they reached the relay (per-sender FIFO). A send is
/// queued for commit as its call is read, but a stream item waits in SignalR's buffer for the stream's own loop, which
/// takes one item at a time after the one before it is committed, so a send read after an item could overtake it. A send
/// made while an item read before it is still buffered is therefore held until those items are queued, and the items
/// read after it wait for it. Nothing is held while the connection has no stream open.
/// Items are counted as they leave the buffer, which they do only once queued for commit (or dropped), so the buffer's
/// count is always what was read and not yet queued. Two streams open at once keep each its own order, not one between
/// their items: which of two buffered items came first is not known.
/// </summary>
public sealed class HubStreamOrder(int maxOpenStreams)
{
    private readonly Lock _gate = new();
    private readonly List<OpenStream> _open = [];
    private readonly Queue<HeldSend> _held = new();
    // Open streams plus held sends; only the connection's read loop, which runs its sends, makes it go from zero.
    private int _busy;
    private int _refused;

    /// <summary>True while no stream is open and no send held: a send may then be queued at once.</summary>
    public bool Idle => Volatile.Read(ref _busy) == 0;

    /// <summary>
    /// A stream whose items take their place in the connection's order; call before its first await. Refused
    /// (<c>TOO_MANY_STREAMS</c>) while the connection has as many open as it may.
    /// </summary>
    public OpenStream Open(ChannelReader<JsonElement> items)
    {
        var stream = new OpenStream(items);
        lock (_gate)
        {
            if (_open.Count >= maxOpenStreams)
            {
                throw new RelayException(ErrorCodes.TooManyStreams,
                    $"This connection has {maxOpenStreams} streams open, as many as Relay:Limits:MaxOpenStreams allows; end one, then stream again.");
            }
            _open.Add(stream);
            Volatile.Write(ref _busy, _busy + 1);
        }
        return stream;
    }

    /// <summary>Queues a send by <paramref name="publish"/> once every stream item read before it is queued.</summary>
    public Task<SendAck> AfterItemsReadBefore(Func<Task<SendAck>> publish)
    {
        lock (_gate)
        {
            var targets = new Dictionary<OpenStream, int>(_open.Count);
            var waits = _held.Count > 0;
            foreach (var stream in _open)
            {
                // A stream whose end was read (nothing left in its buffer) is done once its turn_end is queued.
                var target = stream.Items.Completion.IsCompleted ? int.MaxValue : stream.Queued + stream.Items.Count;
                targets[stream] = target;
                waits |= target > stream.Queued;
            }
            if (!waits)
            {
                return publish();
            }
            var held = new HeldSend(targets, publish);
            _held.Enqueue(held);
            Volatile.Write(ref _busy, _busy + 1);
            return held.Queued.Task.Unwrap();
        }
    }

    /// <summary>Completes once the sends read before the stream's next buffered item are queued.</summary>
    public Task TurnOfNextItem(OpenStream stream)
    {
        lock (_gate)
        {
            Task turn = Task.CompletedTask;
            foreach (var held in _held)
            {
                if (held.Targets.GetValueOrDefault(stream) <= stream.Queued)
                {
                    turn = held.Queued.Task;
                }
            }
            return turn;
        }
    }

    /// <summary>
    /// Queues the stream's next buffered item by <paramref name="submit"/>, which must queue it before it returns, and
    /// takes it out of the buffer.
    /// </summary>
    public Task<SendAck> QueueNextItem(OpenStream stream, Func<Task<SendAck>> submit)
    {
        lock (_gate)
        {
            var queued = submit();
            TakeNext(stream);
            return queued;
        }
    }

    /// <summary>Takes the stream's next buffered item out of the buffer, unsent.</summary>
    public void DropNextItem(OpenStream stream)
    {
        lock (_gate)
        {
            TakeNext(stream);
        }
    }

    /// <summary>The stream is over: its end (a turn_end or error) is queued by <paramref name="submitEnd"/>, then sends held for it go.</summary>
    public Task<SendAck> CloseWith(OpenStream stream, Func<Task<SendAck>> submitEnd)
    {
        lock (_gate)
        {
            try
            {
                return submitEnd();
            }
            finally
            {
                Remove(stream);
            }
        }
    }

    /// <summary>The stream is over with no end to queue.</summary>
    public void Close(OpenStream stream)
    {
        lock (_gate)
        {
            Remove(stream);
        }
    }

    private void TakeNext(OpenStream stream)
    {
        stream.Items.TryRead(out _);
        stream.Queued++;
        ReleaseHeld();
    }

    private void Remove(OpenStream stream)
    {
        if (_open.Remove(stream))
        {
            Volatile.Write(ref _busy, _busy - 1);
        }
        ReleaseHeld();
    }

    /// <summary>Counts a refused stream being read to its end; false when as many are already (then the client is flooding).</summary>
    public bool TryStartRefusal()
    {
        lock (_gate)
        {
            if (_refused >= maxOpenStreams)
            {
                return false;
            }
            _refused++;
            return true;
        }
    }

    public void EndRefusal()
    {
        lock (_gate)
        {
            _refused--;
        }
    }

    private void ReleaseHeld()
    {
        while (_held.TryPeek(out var head) && head.Targets.All(t => !_open.Contains(t.Key) || t.Key.Queued >= t.Value))
        {
            _held.Dequeue();
            Volatile.Write(ref _busy, _busy - 1);
            head.Queued.SetResult(head.Publish());
        }
    }

    public sealed class OpenStream(ChannelReader<JsonElement> items)
    {
        internal ChannelReader<JsonElement> Items { get; } = items;

        /// <summary>Items queued for commit or dropped, in the order they came.</summary>
        internal int Queued { get; set; }
    }

    private sealed class HeldSend(Dictionary<OpenStream, int> targets, Func<Task<SendAck>> publish)
    {
        public Dictionary<OpenStream, int> Targets { get; } = targets;
        public Func<Task<SendAck>> Publish { get; } = publish;

        /// <summary>Completes, with the send's ACK task, once the send is queued; continuations run off the lock.</summary>
        public TaskCompletionSource<Task<SendAck>> Queued { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
