using System.Buffers;
using System.IO.Pipelines;

namespace SignalRelay.Server.Core;

/// <summary>
/// A connection's input, handed on a read at a time only once the units that start in the read (hub messages, HTTP/2
/// frames) are paid for by the connection's <see cref="FramePacer"/>: a client past its budget is left unread, and
/// nothing it sent is lost. The wait ends when the connection closes or the relay stops, and the reader above then
/// sees the input end: a closed flooder is let go at once instead of when its debt is paid, and a stopping relay does
/// not wait for it.
/// </summary>
public abstract class PacedPipeReader(PipeReader inner, FramePacer pacer, CancellationToken connectionClosed) : PipeReader
{
    // The last buffer read, the bytes at its front whose units are counted, and how many of those are not paid.
    private ReadOnlySequence<byte> _read;
    private long _counted;
    private int _unpaid;

    protected FramePacer Pacer => pacer;

    /// <summary>False once this input is known to hold nothing to pace: reads then pass straight through.</summary>
    protected virtual bool Paces => true;

    /// <summary>Follows <paramref name="bytes"/>, the next bytes that arrived; returns how many units start in them.</summary>
    protected abstract int Count(ReadOnlySpan<byte> bytes);

    /// <summary>Pays for one unit if the budget allows it now.</summary>
    protected virtual bool TryTakeOne() => pacer.TryTake();

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        Paces ? ReadPacedAsync(cancellationToken) : inner.ReadAsync(cancellationToken);

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }
        if (!Paces)
        {
            return true;
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
        if (Paces)
        {
            _counted -= _read.Slice(0, consumed).Length;
            _read = default;
        }
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    private async ValueTask<ReadResult> ReadPacedAsync(CancellationToken cancellationToken)
    {
        var result = await inner.ReadAsync(cancellationToken);
        Count(result.Buffer);
        if (TryPay())
        {
            return result;
        }
        if (!await pacer.TakeUnlessAsync(_unpaid, cancellationToken, connectionClosed))
        {
            // What the client still owes for stays unread.
            return new ReadResult(result.Buffer.Slice(0, 0), isCanceled: false, isCompleted: true);
        }
        _unpaid = 0;
        return result;
    }

    private void Count(ReadOnlySequence<byte> buffer)
    {
        foreach (var segment in buffer.Slice(_counted))
        {
            _unpaid += Count(segment.Span);
        }
        _counted = buffer.Length;
        _read = buffer;
    }

    private bool TryPay()
    {
        while (_unpaid > 0 && TryTakeOne())
        {
            _unpaid--;
        }
        return _unpaid == 0;
    }
}
