using System.Runtime.CompilerServices;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// An upgraded connection's stream whose reads are paced one WebSocket frame at a time by the connection's
/// <see cref="FramePacer"/>: the bytes of a read are handed to the WebSocket only once the frames starting in them are
/// paid for. Control frames and fragments count like whole messages, so a client flooding pings (which the WebSocket
/// answers itself) or dripping a message a byte a frame is slowed like any other. A stopping relay does not wait for
/// what a client owes: its stream ends.
/// </summary>
public sealed class PacedFrameStream(Stream inner, FramePacer pacer) : UpgradedStream(inner)
{
    /// <summary>Follows every byte read from the first: the frames to pay for, and the client's pongs.</summary>
    public ClientFrameScanner Frames { get; } = new();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await Inner.ReadAsync(buffer, cancellationToken);
        var frames = Frames.Scan(buffer.Span[..read]);
        if (frames == 0)
        {
            return read;
        }
        if (!await pacer.TakeUnlessAsync(frames, cancellationToken))
        {
            return 0;
        }
        pacer.Prepay(frames);
        return read;
    }
}
