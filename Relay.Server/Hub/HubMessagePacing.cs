using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// Maps the hub as <c>MapHub</c> does, with every connection's input paced (<see cref="PacedHubInput"/>). Pacing in a
/// hub filter would see only calls: pings, stream items and the rest pass no filter, and a client can pack thousands
/// of them into each WebSocket frame.
/// </summary>
public static class HubMessagePacing
{
    /// <param name="beforeHub">Connection middleware that runs after the pacing and before the hub, such as a gate.</param>
    public static IEndpointConventionBuilder MapPacedHub<THub>(this IEndpointRouteBuilder endpoints, string pattern,
        Func<ConnectionDelegate, ConnectionDelegate> beforeHub)
        where THub : Microsoft.AspNetCore.SignalR.Hub
    {
        var pacing = endpoints.ServiceProvider.GetRequiredService<FramePacing>();
        var hub = endpoints.MapConnections(pattern, connections => connections
            .Use(next => connection =>
            {
                // A WebSocket's upgrade request shares its TCP connection's pacer; the other transports get one each.
                var http = connection.GetHttpContext();
                var pacer = http is null ? pacing.NewPacer() : pacing.OfConnection(http);
                var input = new PacedHubInput(connection.Transport.Input, pacer, connection.ConnectionClosed);
                connection.Transport = new DuplexPipe(input, connection.Transport.Output);
                return next(connection);
            })
            .Use(beforeHub)
            .UseHub<THub>());
        // What MapHub adds: the hub's attributes (its [Authorize]) and the metadata that names the hub.
        var attributes = typeof(THub).GetCustomAttributes(inherit: true);
        hub.Add(endpoint =>
        {
            foreach (var attribute in attributes)
            {
                endpoint.Metadata.Add(attribute);
            }
            endpoint.Metadata.Add(new HubMetadata(typeof(THub)));
        });
        return hub;
    }
}
