using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace SignalRelay.Bench.Doors;

/// <summary>
/// A client WebSocket for the raw doors: text frames go out through one writer in the order they were
/// queued (per-sender FIFO starts here), and a receive loop hands each whole text frame to <paramref name="onFrame"/>.
/// </summary>
public sealed class RawSocket(Action<ReadOnlyMemory<byte>> onFrame) : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<ReadOnlyMemory<byte>> _outbox = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(
        new UnboundedChannelOptions { SingleReader = true });
    private Task? _receiving;
    private Task? _sending;

    public async Task ConnectAsync(Uri uri, string? token, CancellationToken ct)
    {
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (token is not null)
        {
            _socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        }
        await _socket.ConnectAsync(uri, ct);
        _receiving = ReceiveLoopAsync();
        _sending = SendLoopAsync();
    }

    /// <summary>Queues one frame; frames leave in the order they were queued.</summary>
    public void Send(ReadOnlyMemory<byte> frame) => _outbox.Writer.TryWrite(frame);

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync())
            {
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
            // The server went away; the missing ACKs tell the story.
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var length = 0;
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                length += result.Count;
                if (result.EndOfMessage)
                {
                    onFrame(buffer.AsMemory(0, length));
                    length = 0;
                }
            }
        }
        catch (WebSocketException)
        {
            // The server went away; what was not received counts as lost.
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outbox.Writer.TryComplete();
        if (_sending is not null)
        {
            await _sending;
        }
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bench done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Abort();
        if (_receiving is not null)
        {
            await _receiving;
        }
        _socket.Dispose();
    }
}
