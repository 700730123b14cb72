using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace SignalRelay.Tests.Raw;

/// <summary>
/// A plain <see cref="ClientWebSocket"/> as a seed agent would use it. Unless told not to read, a background
/// loop turns each text frame into a <see cref="JsonElement"/> in <see cref="Frames"/>.
/// </summary>
public sealed class RawSocketClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sending = new(1, 1);
    private Task _reading = Task.CompletedTask;

    public ChannelReader<JsonElement> Frames => _frames.Reader;

    /// <summary>The relay's close code once it closed the connection; null if the connection broke without one.</summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    public WebSocket Socket => _socket;

    public static Task<RawSocketClient> ConnectAsync(TestRelay relay, string path = "/", bool read = true) =>
        ConnectAsync(relay.WebSocketUri(path), read);

    public static async Task<RawSocketClient> ConnectAsync(Uri address, bool read = true)
    {
        var client = new RawSocketClient();
        await client._socket.ConnectAsync(address, CancellationToken.None);
        if (read)
        {
            client._reading = Task.Run(client.ReadLoopAsync);
        }
        return client;
    }

    /// <summary>Connects as a WebSocket over HTTP/2 (an extended CONNECT), in clear text to a relay that speaks only HTTP/2.</summary>
    public static async Task<RawSocketClient> ConnectOverHttp2Async(Uri address)
    {
        var client = new RawSocketClient();
        client._socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        client._socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        await client._socket.ConnectAsync(address, invoker, CancellationToken.None);
        client._reading = Task.Run(client.ReadLoopAsync);
        return client;
    }

    public Task SendAsync(string json) => SendRawAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true);

    public async Task SendRawAsync(byte[] bytes, WebSocketMessageType type, bool endOfMessage)
    {
        await _sending.WaitAsync();
        try
        {
            await _socket.SendAsync(bytes, type, endOfMessage, CancellationToken.None);
        }
        finally
        {
            _sending.Release();
        }
    }

    public Task<JsonElement> NextAsync(string what = "a frame") => Wait.NextAsync(Frames, what: what);

    /// <summary>The next frame matching <paramref name="match"/>, skipping others (presence, traffic from other tests' agents).</summary>
    public async Task<JsonElement> NextWhereAsync(Func<JsonElement, bool> match, string what)
    {
        using var cts = new CancellationTokenSource(Wait.Default);
        try
        {
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(cts.Token);
                if (match(frame))
                {
                    return frame;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out waiting for {what}.");
        }
    }

    public async Task<WebSocketCloseStatus?> ClosedWithinAsync() => await Closed.WaitAsync(Wait.Default);

    /// <summary>Starts the close handshake and waits for the relay's answer.</summary>
    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            await SendCloseAsync();
        }
        await ClosedWithinAsync();
    }

    /// <summary>Sends a close frame without waiting for the answer, which a client that reads nothing never sees.</summary>
    public Task SendCloseAsync() => _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(result.CloseStatus);
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }
                    return;
                }
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    using var document = JsonDocument.Parse(message.ToArray());
                    _frames.Writer.TryWrite(document.RootElement.Clone());
                    message.SetLength(0);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _closed.TrySetResult(null);
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _reading;
        _socket.Dispose();
        _sending.Dispose();
    }
}
