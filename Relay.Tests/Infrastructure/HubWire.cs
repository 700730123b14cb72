using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// The hub's JSON protocol spoken by hand over a plain WebSocket, for what the typed client would never send (a null
/// argument, or a string escape that is not text) or never shows (one page of the agent list).
/// </summary>
public sealed class HubWire : IAsyncDisposable
{
    private const char Separator = '\u001e';

    private readonly ClientWebSocket _socket = new();
    private readonly Queue<string> _received = new();
    // The start of a message whose separator has not arrived yet.
    private readonly StringBuilder _partial = new();
    private int _lastInvocation;

    public static async Task<HubWire> ConnectAsync(TestRelay relay, string agent)
    {
        var wire = new HubWire();
        await wire._socket.ConnectAsync(relay.WebSocketUri($"{HubProtocol.Path}?agent={Uri.EscapeDataString(agent)}"), CancellationToken.None);
        await SendHandshakeAsync(wire._socket);
        var answer = await wire.NextAsync();
        Assert.That(answer, Is.EqualTo("{}"), "the hub accepted the handshake");
        return wire;
    }

    /// <summary>Invokes <paramref name="target"/> with <paramref name="arguments"/> (JSON text, as sent); returns the completion's error, or null.</summary>
    public async Task<string?> InvokeAsync(string target, string arguments) =>
        (await CompleteAsync(target, arguments)).TryGetProperty("error", out var error) ? error.GetString() : null;

    /// <summary>Invokes <paramref name="target"/> with <paramref name="arguments"/> (JSON text, as sent); returns the completion message.</summary>
    public Task<JsonElement> CompleteAsync(string target, string arguments) =>
        CompleteAsync(target, Encoding.UTF8.GetBytes(arguments), WebSocketMessageType.Text);

    /// <summary>
    /// As above, with the arguments as bytes, which need not be UTF-8, in a frame of <paramref name="frameType"/>: SignalR
    /// takes its JSON protocol in binary WebSocket frames too, which the WebSocket layer does not check for UTF-8.
    /// </summary>
    public async Task<JsonElement> CompleteAsync(string target, byte[] arguments, WebSocketMessageType frameType)
    {
        var id = (++_lastInvocation).ToString(System.Globalization.CultureInfo.InvariantCulture);
        byte[] message =
        [
            .. Encoding.UTF8.GetBytes($$"""{"type":1,"invocationId":"{{id}}","target":"{{target}}","arguments":["""),
            .. arguments,
            .. Encoding.UTF8.GetBytes($"]}}{Separator}"),
        ];
        await _socket.SendAsync(message, frameType, endOfMessage: true, CancellationToken.None);
        return await CompletionAsync(id);
    }

    /// <summary>The completion message of invocation <paramref name="id"/>, skipping everything else the hub sends.</summary>
    public async Task<JsonElement> CompletionAsync(string id)
    {
        while (true)
        {
            var message = await NextAsync();
            using var parsed = JsonDocument.Parse(message);
            var root = parsed.RootElement;
            var type = root.GetProperty("type").GetInt32();
            if (type == 7)
            {
                Assert.Fail($"The hub closed the connection: {message}");
            }
            if (type == 3 && root.GetProperty("invocationId").GetString() == id)
            {
                return root.Clone();
            }
        }
    }

    /// <summary>Sends <paramref name="messages"/> (JSON text each) in one WebSocket frame.</summary>
    public Task SendFrameAsync(IEnumerable<string> messages) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(string.Concat(messages.Select(m => m + Separator))),
            WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public static Task SendHandshakeAsync(ClientWebSocket socket) =>
        socket.SendAsync(Encoding.UTF8.GetBytes($$"""{"protocol":"json","version":1}{{Separator}}"""), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Connects to <paramref name="path"/> (the hub's, with its query), shakes hands and returns everything the hub sent until it closed the connection.</summary>
    public static Task<string> RefusalAsync(TestRelay relay, string path) => RefusalAsync(relay.WebSocketUri(path));

    /// <summary>The same at a WebSocket address (a relay in a process of its own).</summary>
    public static async Task<string> RefusalAsync(Uri address)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(address, CancellationToken.None);
        await SendHandshakeAsync(socket);
        using var cts = new CancellationTokenSource(Wait.Default);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return text.ToString();
            }
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }

    private async Task<string> NextAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Default);
        var buffer = new byte[4096];
        while (_received.Count == 0)
        {
            var result = await _socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                Assert.Fail($"The hub closed the connection ({_socket.CloseStatus}: {_socket.CloseStatusDescription}).");
            }
            _partial.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            var whole = _partial.ToString();
            var last = whole.LastIndexOf(Separator);
            if (last < 0)
            {
                continue;
            }
            foreach (var message in whole[..last].Split(Separator))
            {
                _received.Enqueue(message);
            }
            _partial.Clear().Append(whole[(last + 1)..]);
        }
        return _received.Dequeue();
    }

    /// <summary>Everything the hub sends from now until it closes or drops the connection.</summary>
    public async Task<string> RestUntilClosedAsync()
    {
        var text = new StringBuilder(string.Join(Separator, _received)).Append(_partial);
        _received.Clear();
        _partial.Clear();
        using var cts = new CancellationTokenSource(Wait.Default);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return text.ToString();
                }
                text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
        }
        catch (WebSocketException)
        {
            // Dropped rather than closed: what came before is all there is.
            return text.ToString();
        }
    }

    /// <summary>Drops the connection without a close handshake, as a crashed client or a lost network does.</summary>
    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(Wait.Default);
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
        }
        _socket.Dispose();
    }
}
