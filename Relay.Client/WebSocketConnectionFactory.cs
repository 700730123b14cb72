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
    /// <summary>The connection made last: the live one, if any is.</summary>
    public WebSocketConnection? Latest { get; private set; }

    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        var target = address();
        var askingForToken = accessTokenProvider is not null;
        try
        {
            // The provider takes no token, so a hung one (an identity provider that never answers) is left behind
            // rather than awaited: else it would hold the attempt, and the client's dispose behind it, for good.
            if (accessTokenProvider is not null && await accessTokenProvider().WaitAsync(timeout.Token) is { Length: > 0 } token)
            {
                socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
            }
            askingForToken = false;
            await socket.ConnectAsync(target, timeout.Token);
            var connection = new WebSocketConnection(socket);
            Latest = connection;
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException(askingForToken
                ? $"The access token provider did not answer within {connectTimeout}."
                : $"The relay at {target.GetLeftPart(UriPartial.Path)} did not open a WebSocket within {connectTimeout}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
