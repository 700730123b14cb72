using System.Buffers;
using System.IO.Pipelines;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// A hub connection's input, paced by its <see cref="FramePacer"/> one hub message at a time, whatever the message:
/// a call, a stream item, a ping, a cancellation. Each JSON hub message ends in the record separator, which JSON text
/// cannot hold unescaped, so the separators in what arrives are the messages. A read is handed to SignalR only once
/// the messages it brings are paid for: a client past its budget is left unread. Over a WebSocket each message first
/// uses a frame the client paid for already (<see cref="FramePacer.TryTakePrepaid"/>), so a call in a frame of its own
/// costs one, not two.
/// </summary>
public sealed class PacedHubInput(PipeReader inner, FramePacer pacer, CancellationToken connectionClosed) : PipeReader
{
    private const byte RecordSeparator = 0x1e;

    // The last buffer read, the bytes at its front whose messages are counted, and how many of those are not paid.
    private ReadOnlySequence<byte> _read;
    private long _counted;
    private int _unpaid;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.ReadAsync(cancellationToken);
        Count(result.Buffer);
        if (!TryPay())
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectionClosed);
            do
            {
                await pacer.TakeAsync(either.Token);
                _unpaid--;
            }
            while (!TryPay());
        }
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }
        Count(result.Buffer);
        if (TryPay())
        {
            return true;
        }
        // Handed back unexamined, so the next read returns it at once; what it holds stays counted and owed.
        AdvanceTo(result.Buffer.Start, result.Buffer.Start);
        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _counted -= _read.Slice(0, consumed).Length;
        _read = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    private void Count(ReadOnlySequence<byte> buffer)
    {
        foreach (var segment in buffer.Slice(_counted))
        {
            _unpaid += segment.Span.Count(RecordSeparator);
        }
        _counted = buffer.Length;
        _read = buffer;
    }

    private bool TryPay()
    {
        while (_unpaid > 0 && (pacer.TryTakePrepaid() || pacer.TryTake()))
        {
            _unpaid--;
        }
        return _unpaid == 0;
    }
}
