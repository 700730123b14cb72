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
/// soon as the limit is passed, so an oversized message is never buffered whole.
/// </summary>
public sealed class FrameReader(WebSocket socket, int maxBytes) : IDisposable
{
    private const int InitialSize = 4096;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);

    /// <summary>The last message read; valid until the next read.</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    public async ValueTask<FrameStatus> ReadAsync(CancellationToken ct)
    {
        ShrinkAfterLargeMessage();
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
                Payload = _buffer.AsMemory(0, length);
                return result.MessageType == WebSocketMessageType.Text ? FrameStatus.Text : FrameStatus.Binary;
            }
        }
    }

    private void Grow(int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan().CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    // Idle connections hold a small buffer, however large their last message was.
    private void ShrinkAfterLargeMessage()
    {
        Payload = default;
        if (_buffer.Length > InitialSize * 4)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
    }

    public void Dispose()
    {
        Payload = default;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
