using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Core;
using SignalRelay.Server.Identity;

namespace SignalRelay.Server.Hub;

/// <summary>
/// Refuses a hub connection that names no agent it may speak for (no or a bad <c>agent</c>, the relay's own name, a
/// token for someone else), or a resume point that is none (<see cref="HubResume"/>), at SignalR's handshake, before the hub runs: the client's start fails with the relay's
/// error, as it does for SignalR's own handshake errors, and the refusal is logged at Debug. Refused later, in the
/// hub's <c>OnConnectedAsync</c>, the client's start would succeed and then be closed, and SignalR would log every
/// refusal as an error with its stack trace: one line of a kilobyte for each attempt of a client that keeps trying.
/// </summary>
public static class HubIdentityGate
{
    public static ConnectionDelegate Refusing(ConnectionDelegate next) => async connection =>
    {
        var http = connection.GetHttpContext() ?? throw new InvalidOperationException("A hub connection without its HTTP request.");
        try
        {
            http.RequestServices.GetRequiredService<AgentIdentityResolver>().ResolveHubAgent(http);
            HubResume.Read(http);
        }
        catch (RelayException ex)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HubIdentityGate))
                .LogDebug("Refused a hub connection ({ConnectionId}): {Code}", connection.ConnectionId, ex.Error.Code);
            await RefuseAsync(connection, $"{ex.Error.Code}: {ex.Error.Message}",
                http.RequestServices.GetRequiredService<IOptions<HubOptions>>().Value.HandshakeTimeout ?? TimeSpan.FromSeconds(15));
            return;
        }
        await next(connection);
    };

    /// <summary>Waits for the client's handshake (within the hub's handshake timeout), then answers it with the error.</summary>
    private static async Task RefuseAsync(ConnectionContext connection, string error, TimeSpan timeout)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        waiting.CancelAfter(timeout);
        var input = connection.Transport.Input;
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(waiting.Token);
                var buffer = read.Buffer;
                if (read.IsCompleted || HandshakeArrived(ref buffer))
                {
                    input.AdvanceTo(buffer.Start);
                    break;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            HandshakeProtocol.WriteResponseMessage(new HandshakeResponseMessage(error), connection.Transport.Output);
            await connection.Transport.Output.FlushAsync(waiting.Token);
        }
        catch (OperationCanceledException)
        {
            // The client sent no handshake in time, or left: there is nobody to tell.
        }
    }

    private static bool HandshakeArrived(ref System.Buffers.ReadOnlySequence<byte> buffer)
    {
        try
        {
            return HandshakeProtocol.TryParseRequestMessage(ref buffer, out _);
        }
        catch (InvalidDataException)
        {
            // A handshake that is not one is answered all the same.
            return true;
        }
    }
}
