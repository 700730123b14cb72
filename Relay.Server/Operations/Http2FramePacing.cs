using Microsoft.AspNetCore.Server.Kestrel.Core;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// Paces every HTTP/2 frame a client sends by its connection's budget, the one its requests and WebSocket frames
/// already share (<see cref="FramePacing.OfConnection(IDictionary{object, object?})"/>). Kestrel answers PING and
/// SETTINGS frames and takes WINDOW_UPDATE frames at whatever rate they come, so without this one HTTP/2 connection
/// could keep a core busy. Only endpoints that may speak HTTP/2 are watched: by default the relay's clear-text endpoint
/// speaks HTTP/1.1 only, and HTTP/2 comes with TLS (through ALPN) or with an endpoint set to <c>Http2</c>.
/// </summary>
public static class Http2FramePacing
{
    public static IServiceCollection AddHttp2FramePacing(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<FramePacing>((kestrel, pacing) =>
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Use(next =>
                // Asked when the endpoint is built, once its protocols are final.
                (endpoint.Protocols & HttpProtocols.Http2) == 0
                    ? next
                    : connection => next(new PacedTransportConnection(connection, pacing.OfConnection(connection.Items))))));
        return services;
    }
}
