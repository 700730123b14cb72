using System.Net.WebSockets;
using SignalRelay.Contracts;

namespace SignalRelay.Server.RawSocket;

/// <summary>Ending a raw connection: the error frame saying why, then the close frame, both bounded in time.</summary>
public static class RawClose
{
    /// <summary>
    /// Sends the error frame (if any), then whatever <paramref name="beforeClose"/> writes, then the close frame.
    /// </summary>
    public static async Task SendAsync(WebSocket socket, byte[]? errorFrame, RelayError reason, TimeSpan timeout,
        Func<CancellationToken, ValueTask>? beforeClose = null)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (errorFrame is not null)
            {
                await socket.SendAsync(errorFrame, WebSocketMessageType.Text, endOfMessage: true, cts.Token);
            }
            if (beforeClose is not null)
            {
                await beforeClose(cts.Token);
            }
            await socket.CloseOutputAsync(CloseCodes.For(reason), reason.Code, cts.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            socket.Abort();
        }
    }

    /// <summary>
    /// After the relay sent its close: reads (and discards) until the peer's close frame arrives, so the
    /// peer gets everything that was sent before the TCP connection goes; aborts after <paramref name="timeout"/>.
    /// </summary>
    public static async Task AwaitPeerCloseAsync(WebSocket socket, FrameReader reader, Task<FrameStatus>? pendingRead, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (pendingRead is not null && await pendingRead.WaitAsync(cts.Token) == FrameStatus.Closed)
            {
                return;
            }
            while (socket.State == WebSocketState.CloseSent && await reader.ReadAsync(cts.Token) != FrameStatus.Closed)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException)
        {
            socket.Abort();
        }
    }
}
