using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace SignalRelay.Client;

/// <summary>
/// A SignalR transport over one <see cref="ClientWebSocket"/>: two pumps move bytes between the socket
/// and the pipes <c>HubConnection</c> reads and writes. Disposing finishes sending and performs the
/// close handshake, so the server sees a clean close rather than an abort.
/// </summary>
internal sealed class WebSocketConnection : ConnectionContext
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one write may wait for the server to take it, as long as SignalR waits to hear from a server (its
    /// <c>ServerTimeout</c>) before it counts it gone. A network gone silent leaves a write waiting for the socket buffers to
    /// drain, and a write waiting holds the hub connection's lock: neither a stop nor a dispose nor a reconnect gets past it.
    /// </summary>
    private static readonly TimeSpan SendStallTimeout = TimeSpan.FromSeconds(30);

    private readonly ClientWebSocket _socket;
    private readonly Pipe _incoming = new();
    private readonly Pipe _outgoing = new();
    private readonly Task _receiving;
    private readonly Task _sending;
    private readonly CancellationTokenSource _giveUpSending = new();
    private volatile bool _closing;

    public WebSocketConnection(ClientWebSocket socket)
    {
        _socket = socket;
        Transport = new DuplexPipe(_incoming.Reader, _outgoing.Writer);
        _receiving = ReceiveAsync();
        _sending = SendAsync();
    }

    public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");
    public override IFeatureCollection Features { get; } = new FeatureCollection();
    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
    public override IDuplexPipe Transport { get; set; }

    private async Task ReceiveAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var buffer = _incoming.Writer.GetMemory(4096);
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                _incoming.Writer.Advance(result.Count);
                var flushed = await _incoming.Writer.FlushAsync();
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            await _incoming.Writer.CompleteAsync(error);
            // Nothing more can be sent once the server has gone.
            await _outgoing.Reader.CompleteAsync();
        }
    }

    private async Task SendAsync()
    {
        try
        {
            while (true)
            {
                var result = await _outgoing.Reader.ReadAsync();
                var buffer = result.Buffer;
                var position = buffer.Start;
                while (buffer.TryGet(ref position, out var segment))
                {
                    var last = position.GetObject() is null;
                    // A cancelled send aborts the socket, which ends both pumps.
                    _giveUpSending.CancelAfter(_closing ? CloseTimeout : SendStallTimeout);
                    await _socket.SendAsync(segment, WebSocketMessageType.Text, last, _giveUpSending.Token);
                    if (!_closing)
                    {
                        _giveUpSending.CancelAfter(Timeout.InfiniteTimeSpan);
                    }
                }
                _outgoing.Reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
            if (_socket.State == WebSocketState.Open)
            {
                _giveUpSending.CancelAfter(CloseTimeout);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closed", _giveUpSending.Token);
            }
        }
        catch (Exception)
        {
            // The socket failed or the server went away; the receive pump reports it.
        }
        finally
        {
            await _outgoing.Reader.CompleteAsync();
        }
    }

    /// <summary>
    /// True once the connection is going: the hub connection disposes its transport when it has closed, before it fails
    /// the calls still waiting for an answer, so a call that failed on a closing connection can be told from a refusal.
    /// </summary>
    public bool IsClosing => _closing;

    public override void Abort(ConnectionAbortedException abortReason) => _socket.Abort();

    /// <summary>From now on a write the server does not take within the close timeout gives up, and so does the close.</summary>
    public void BeginClosing()
    {
        _closing = true;
        try
        {
            _giveUpSending.CancelAfter(CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public override async ValueTask DisposeAsync()
    {
        BeginClosing();
        // The hub connection has stopped reading by the time it disposes its transport. A receive pump waiting for room in
        // the pipe (thousands of refusals arrive at once when the relay stops under a flood of sends) would wait forever.
        await _incoming.Reader.CompleteAsync();
        await _outgoing.Writer.CompleteAsync();
        await _sending;
        // Wait for the server's half of the close handshake, but not forever.
        if (await Task.WhenAny(_receiving, Task.Delay(CloseTimeout)) != _receiving)
        {
            _socket.Abort();
            await _receiving;
        }
        _socket.Dispose();
        _giveUpSending.Dispose();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
