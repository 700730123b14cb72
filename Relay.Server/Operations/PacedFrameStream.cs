using System.Runtime.CompilerServices;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// An upgraded connection's stream whose reads are paced one WebSocket frame at a time by the connection's
/// <see cref="FramePacer"/>: the bytes of a read are handed to the WebSocket only once the frames starting in them are
/// paid for. Control frames and fragments count like whole messages, so a client flooding pings (which the WebSocket
/// answers itself) or dripping a message a byte a frame is slowed like any other. Writes pass straight through.
/// </summary>
public sealed class PacedFrameStream(Stream inner, FramePacer pacer) : Stream
{
    /// <summary>Follows every byte read from the first: the frames to pay for, and the client's pongs.</summary>
    public ClientFrameScanner Frames { get; } = new();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        var frames = Frames.Scan(buffer.Span[..read]);
        if (frames > 0)
        {
            await pacer.TakeAsync(frames, cancellationToken);
            pacer.Prepay(frames);
        }
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Reads from an upgraded connection are asynchronous.");

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Writes to an upgraded connection are asynchronous.");

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
