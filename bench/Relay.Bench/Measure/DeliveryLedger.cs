using System.Collections.Concurrent;
using System.Diagnostics;

namespace SignalRelay.Bench.Measure;

/// <summary>
/// Everything sent, acknowledged and received in one run, for counting loss, duplicates, reordering and latency.
/// Each receiver is written by its own receive loop only; each sender by its own send loop and ACK continuations.
/// </summary>
public sealed class DeliveryLedger
{
    private readonly RunSpec _spec;
    private readonly bool[][] _acked;
    private readonly bool[] _connected;
    private int _connectedCount;
    private readonly Receiver[] _receivers;
    private long _sent;
    private long _ackedCount;
    private long _failed;
    private long _lastAckTimestamp;
    private long _lastDeliveryTimestamp;
    private long _unique;
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _firstDeliveries = new();

    public DeliveryLedger(RunSpec spec)
    {
        _spec = spec;
        _acked = new bool[spec.Agents][];
        _receivers = new Receiver[spec.Agents];
        _connected = new bool[spec.Agents];
        for (var i = 0; i < spec.Agents; i++)
        {
            _receivers[i] = new Receiver(spec.Agents, spec.MessagesPerAgent);
            _acked[i] = new bool[spec.MessagesPerAgent];
        }
    }

    public long Sent => Interlocked.Read(ref _sent);
    public long Acked => Interlocked.Read(ref _ackedCount);
    public long Failed => Interlocked.Read(ref _failed);
    public long UniqueDeliveries => Interlocked.Read(ref _unique);
    public long LastAckTimestamp => Interlocked.Read(ref _lastAckTimestamp);
    public long LastDeliveryTimestamp => Interlocked.Read(ref _lastDeliveryTimestamp);

    public int ConnectedCount => Volatile.Read(ref _connectedCount);

    /// <summary>The deliveries the acknowledged messages owe (broadcasts reach the connected agents only).</summary>
    public long ExpectedDeliveries => Acked * (_spec.Pattern == Pattern.Direct ? 1 : ConnectedCount - 1);

    public void MarkConnected(int agent)
    {
        _connected[agent] = true;
        Interlocked.Increment(ref _connectedCount);
    }

    public string? FirstError { get; private set; }

    public void RecordSent() => Interlocked.Increment(ref _sent);

    public void RecordAck(int sender, int number)
    {
        _acked[sender][number] = true;
        Interlocked.Increment(ref _ackedCount);
        StoreMax(ref _lastAckTimestamp, Stopwatch.GetTimestamp());
    }

    public void RecordFailure(Exception error)
    {
        Interlocked.Increment(ref _failed);
        FirstError ??= error.GetBaseException().Message;
    }

    /// <summary>Completes when any receiver first gets message <paramref name="number"/> of <paramref name="sender"/>; call before sending it.</summary>
    public Task FirstDelivery(int sender, int number)
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _firstDeliveries[Key(sender, number)] = first;
        return first.Task;
    }

    private static long Key(int sender, int number) => ((long)sender << 32) | (uint)number;

    /// <summary>Called by <paramref name="receiver"/>'s receive loop for every bench message it gets.</summary>
    public void RecordDelivery(int receiver, BenchPayload payload)
    {
        var now = Stopwatch.GetTimestamp();
        if (_receivers[receiver].Record(payload, now))
        {
            Interlocked.Increment(ref _unique);
            if (!_firstDeliveries.IsEmpty && _firstDeliveries.TryRemove(Key(payload.Sender, payload.Number), out var first))
            {
                first.TrySetResult();
            }
        }
        StoreMax(ref _lastDeliveryTimestamp, now);
    }

    /// <summary>Tallies the run once the receive loops have stopped.</summary>
    public DeliveryTally Tally()
    {
        long lost = 0, duplicated = 0, outOfOrder = 0, foreign = 0;
        var latencies = new List<long>();
        for (var sender = 0; sender < _spec.Agents; sender++)
        {
            var acked = _acked[sender];
            for (var n = 0; n < acked.Length; n++)
            {
                if (!acked[n])
                {
                    continue;
                }
                var target = _spec.TargetOf(sender);
                for (var r = 0; r < _spec.Agents; r++)
                {
                    if (r != sender && _connected[r] && (target < 0 || r == target) && !_receivers[r].Saw(sender, n))
                    {
                        lost++;
                    }
                }
            }
        }
        foreach (var r in _receivers)
        {
            duplicated += r.Duplicated;
            outOfOrder += r.OutOfOrder;
            foreign += r.Foreign;
            latencies.AddRange(r.Latencies);
        }
        return new DeliveryTally(lost, duplicated, outOfOrder, foreign, LatencySummary.Of(latencies));
    }

    private static void StoreMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>One agent's view: which (sender, number) it has seen, and in what order.</summary>
    private sealed class Receiver(int agents, int messagesPerAgent)
    {
        private readonly Dictionary<int, FromSender> _senders = [];

        public List<long> Latencies { get; } = [];
        public long Duplicated { get; private set; }
        public long OutOfOrder { get; private set; }

        /// <summary>Messages that are not the bench's (unknown sender or number): counted, never matched.</summary>
        public long Foreign { get; private set; }

        public bool Record(BenchPayload p, long now)
        {
            if ((uint)p.Sender >= (uint)agents || (uint)p.Number >= (uint)messagesPerAgent)
            {
                Foreign++;
                return false;
            }
            if (!_senders.TryGetValue(p.Sender, out var from))
            {
                from = new FromSender(messagesPerAgent);
                _senders[p.Sender] = from;
            }
            if (from.Seen[p.Number])
            {
                Duplicated++;
                return false;
            }
            from.Seen[p.Number] = true;
            if (p.Number < from.Last)
            {
                OutOfOrder++;
            }
            from.Last = Math.Max(from.Last, p.Number);
            Latencies.Add(now - p.SentTimestamp);
            return true;
        }

        public bool Saw(int sender, int number) => _senders.TryGetValue(sender, out var from) && from.Seen[number];
    }

    private sealed class FromSender(int messagesPerAgent)
    {
        public bool[] Seen { get; } = new bool[messagesPerAgent];
        public int Last { get; set; } = -1;
    }
}

public sealed record DeliveryTally(long Lost, long Duplicated, long OutOfOrder, long Foreign, LatencySummary Latency);
