using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;

namespace SignalRelay.Client;

/// <summary>
/// Connects straight to the hub's WebSocket, skipping negotiation. The address is computed on every
/// connect so a reconnect can carry the last seq seen.
/// </summary>
internal sealed class WebSocketConnectionFactory(
    Func<Uri> address,
    Func<Task<string?>>? accessTokenProvider,
    TimeSpan connectTimeout) : IConnectionFactory
{
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        var target = address();
        try
        {
            if (accessTokenProvider is not null && await accessTokenProvider() is { Length: > 0 } token)
            {
                socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
            }
            await socket.ConnectAsync(target, timeout.Token);
            return new WebSocketConnection(socket);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"The relay at {target.GetLeftPart(UriPartial.Path)} did not open a WebSocket within {connectTimeout}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
