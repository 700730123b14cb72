using System.Net.WebSockets;
using SignalRelay.Bench.Doors;

namespace SignalRelay.Bench.Targets;

/// <summary>
/// Proves an auth run measures a relay that really requires tokens: a v0.3 agent that says HELLO without one
/// must be turned away with close code 1008 (the raw door lets a token come in the first frame, so the
/// upgrade itself is allowed).
/// </summary>
public static class AuthProbe
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static async Task RequireRefusalAsync(Uri server)
    {
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Limit);
        await socket.ConnectAsync(RawDoor.Address(server), timeout.Token);
        var hello = """{"protocol_version":"0.3","message_type":"HELLO","sender":"auth-probe"}"""u8.ToArray();
        await socket.SendAsync(hello, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var buffer = new byte[4096];
        while ((await socket.ReceiveAsync(buffer, timeout.Token)).MessageType != WebSocketMessageType.Close)
        {
        }
        if (socket.CloseStatus != WebSocketCloseStatus.PolicyViolation)
        {
            throw new InvalidOperationException($"The relay closed a HELLO without a token with {socket.CloseStatus}, not 1008: auth is not on.");
        }
    }
}
