using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// Paces each connection's HTTP requests as the raw door paces frames (<see cref="FramePacing.OfConnection"/>): past
/// its burst the next request on a keep-alive connection waits before it runs. A client looping on one connection,
/// whether its requests are answered or refused, is slowed to the budget instead of answered as fast as it asks.
/// </summary>
public static class HttpRequestPacing
{
    public static IApplicationBuilder UseHttpRequestPacing(this IApplicationBuilder app)
    {
        var pacing = app.ApplicationServices.GetRequiredService<FramePacing>();
        return app.Use(async (http, next) =>
        {
            await pacing.OfConnection(http).TakeAsync(http.RequestAborted);
            await next(http);
        });
    }
}
