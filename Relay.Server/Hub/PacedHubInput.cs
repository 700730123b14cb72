using System.IO.Pipelines;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// A hub connection's input, paced one hub message at a time, whatever the message: a call, a stream item, a ping, a
/// cancellation. Each JSON hub message ends in the record separator, which JSON text cannot hold unescaped, so the
/// separators in what arrives are the messages. Over a WebSocket each message first uses a frame the client paid for
/// already (<see cref="FramePacer.TryTakePrepaid"/>), so a call in a frame of its own costs one, not two.
/// </summary>
public sealed class PacedHubInput(PipeReader inner, FramePacer pacer, CancellationToken connectionClosed)
    : PacedPipeReader(inner, pacer, connectionClosed)
{
    private const byte RecordSeparator = 0x1e;

    protected override int Count(ReadOnlySpan<byte> bytes) => bytes.Count(RecordSeparator);

    protected override bool TryTakeOne() => Pacer.TryTakePrepaid() || Pacer.TryTake();
}
