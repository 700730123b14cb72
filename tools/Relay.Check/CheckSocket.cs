using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace SignalRelay.Check;

/// <summary>A step that did not get what it expected.</summary>
public sealed class CheckFailedException(string message) : Exception(message);

/// <summary>The checker's WebSocket: sends v0.3 frames and waits for a reply of a given type, within a timeout.</summary>
public sealed class CheckSocket(ClientWebSocket socket, TimeSpan timeout) : IDisposable
{
    public static async Task<CheckSocket> ConnectAsync(CheckArguments args)
    {
        var socket = new ClientWebSocket();
        if (args.Token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {args.Token}");
        }
        using var cts = new CancellationTokenSource(args.Timeout);
        try
        {
            await socket.ConnectAsync(args.Url, cts.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException)
        {
            socket.Dispose();
            throw new CheckFailedException($"could not open a WebSocket to {args.Url}: {ex.Message}");
        }
        return new CheckSocket(socket, args.Timeout);
    }

    public async Task SendAsync(JsonObject frame)
    {
        frame["protocol_version"] = "0.3";
        using var cts = new CancellationTokenSource(timeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(frame.ToJsonString()), WebSocketMessageType.Text, true, cts.Token);
    }

    /// <summary>
    /// The next frame whose <c>message_type</c> is <paramref name="messageType"/>. Relayed MESSAGE frames (other
    /// agents' traffic) are skipped; an ERROR or anything else fails the step.
    /// </summary>
    public async Task<JsonObject> ExpectAsync(string messageType)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var frame = await ReceiveAsync(cts.Token) ?? throw new CheckFailedException($"the relay closed the connection instead of sending {messageType}");
            var type = frame["message_type"]?.GetValue<string>();
            if (type == messageType)
            {
                return frame;
            }
            if (type == "ERROR")
            {
                throw new CheckFailedException($"the relay answered ERROR {frame["error_code"]}: {frame["error_message"]}");
            }
            if (type != "MESSAGE")
            {
                throw new CheckFailedException($"expected {messageType}, got {type ?? frame.ToJsonString()}");
            }
        }
    }

    /// <summary>Waits for the relay to close the connection; returns its close code.</summary>
    public async Task<WebSocketCloseStatus?> ExpectCloseAsync()
    {
        using var cts = new CancellationTokenSource(timeout);
        while (await ReceiveAsync(cts.Token) is not null)
        {
        }
        return socket.CloseStatus;
    }

    /// <summary>One whole text frame as a JSON object, or null when the relay closed the connection.</summary>
    private async Task<JsonObject?> ReceiveAsync(CancellationToken ct)
    {
        var buffer = new byte[8192];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    }
                    return null;
                }
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new CheckFailedException($"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (WebSocketException ex)
        {
            throw new CheckFailedException($"the connection broke: {ex.Message}");
        }
        try
        {
            return JsonNode.Parse(message.ToArray()) as JsonObject
                ?? throw new CheckFailedException("the relay sent a frame that is not a JSON object");
        }
        catch (System.Text.Json.JsonException)
        {
            throw new CheckFailedException("the relay sent a frame that is not JSON");
        }
    }

    public void Dispose() => socket.Dispose();
}
