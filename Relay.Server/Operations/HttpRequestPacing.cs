using Microsoft.AspNetCore.Connections.Features;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// Paces each connection's HTTP requests as the raw door paces frames (<see cref="FramePacer"/>): past its burst the
/// next request on a keep-alive connection waits before it runs. A client looping on one connection, whether its
/// requests are answered or refused, is slowed to the budget instead of answered as fast as it asks.
/// </summary>
public static class HttpRequestPacing
{
    public static IApplicationBuilder UseHttpRequestPacing(this IApplicationBuilder app)
    {
        var pacing = app.ApplicationServices.GetRequiredService<FramePacing>();
        return app.Use(async (http, next) =>
        {
            if (PacerOf(http, pacing) is { } pacer)
            {
                await pacer.TakeAsync(http.RequestAborted);
            }
            await next(http);
        });
    }

    /// <summary>The connection's pacer, made by its first request; none on a server that keeps no items per connection.</summary>
    private static FramePacer? PacerOf(HttpContext http, FramePacing pacing)
    {
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is null)
        {
            return null;
        }
        // HTTP/2 runs a connection's streams side by side.
        lock (items)
        {
            if (items.TryGetValue(typeof(FramePacer), out var existing))
            {
                return (FramePacer)existing!;
            }
            var pacer = pacing.NewPacer();
            items[typeof(FramePacer)] = pacer;
            http.Features.Get<IConnectionLifetimeFeature>()?.ConnectionClosed.Register(pacer.Dispose);
            return pacer;
        }
    }
}
