using System.Buffers;
using System.Net.WebSockets;

namespace SignalRelay.Server.RawSocket;

public enum FrameStatus
{
    Text,
    Binary,
    /// <summary>The message passed the size limit; reading stopped there.</summary>
    TooLarge,
    /// <summary>The peer sent its close frame.</summary>
    Closed,
}

/// <summary>
/// Reads whole WebSocket messages into a pooled buffer, counting bytes across fragments and stopping as
/// soon as the limit is passed, so an oversized message is never buffered whole. A connection waiting for its
/// next message holds no buffer: the wait is a zero-byte read, and the buffer is rented once data is there.
/// </summary>
public sealed class FrameReader(WebSocket socket, int maxBytes) : IDisposable
{
    private const int InitialSize = 4096;
    private byte[] _buffer = [];

    /// <summary>The last message read; valid until the next read.</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    /// <summary>Whether a receive buffer is rented now (none while an idle connection waits).</summary>
    internal bool HoldsBuffer => _buffer.Length > 0;

    public async ValueTask<FrameStatus> ReadAsync(CancellationToken ct)
    {
        ShrinkAfterLargeMessage();
        // Otherwise every idle agent would hold 4 KiB for as long as it is idle.
        var waiting = socket.ReceiveAsync(Memory<byte>.Empty, ct);
        if (!waiting.IsCompleted)
        {
            ReturnBuffer();
        }
        var start = await waiting;
        if (start.MessageType == WebSocketMessageType.Close)
        {
            return FrameStatus.Closed;
        }
        if (start.EndOfMessage)
        {
            return Whole(start, 0);
        }
        if (!HoldsBuffer)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
        var limit = maxBytes + 1;
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                Grow(Math.Min(_buffer.Length * 2, limit));
            }
            var window = Math.Min(_buffer.Length, limit) - length;
            var result = await socket.ReceiveAsync(_buffer.AsMemory(length, window), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return FrameStatus.Closed;
            }
            length += result.Count;
            if (length > maxBytes)
            {
                return FrameStatus.TooLarge;
            }
            if (result.EndOfMessage)
            {
                return Whole(result, length);
            }
        }
    }

    private FrameStatus Whole(ValueWebSocketReceiveResult last, int length)
    {
        Payload = _buffer.AsMemory(0, length);
        return last.MessageType == WebSocketMessageType.Text ? FrameStatus.Text : FrameStatus.Binary;
    }

    private void Grow(int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan().CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    // A busy connection keeps a small buffer between messages, however large its last message was.
    private void ShrinkAfterLargeMessage()
    {
        Payload = default;
        if (_buffer.Length > InitialSize * 4)
        {
            ReturnBuffer();
        }
    }

    private void ReturnBuffer()
    {
        if (HoldsBuffer)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    public void Dispose()
    {
        Payload = default;
        ReturnBuffer();
    }
}
