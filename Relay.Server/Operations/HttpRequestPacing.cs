using Microsoft.AspNetCore.Http.Features;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// Paces everything a connection sends by one budget (<see cref="FramePacing.OfConnection"/>): past its burst the next
/// request on a keep-alive connection waits before it runs, and once a request becomes a WebSocket, every frame the
/// client sends on it waits its turn the same way (<see cref="PacedFrameStream"/>). A client looping on one connection,
/// whether its requests are answered or refused, or flooding frames of any kind, is slowed to the budget instead of
/// served as fast as it asks.
/// </summary>
public static class HttpRequestPacing
{
    public static IApplicationBuilder UseHttpRequestPacing(this IApplicationBuilder app)
    {
        var pacing = app.ApplicationServices.GetRequiredService<FramePacing>();
        return app.Use(async (http, next) =>
        {
            var pacer = pacing.OfConnection(http);
            await pacer.TakeAsync(http.RequestAborted);
            if (http.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                var paced = new PacedUpgradeFeature(upgrade, pacer);
                http.Features.Set<IHttpUpgradeFeature>(paced);
                http.Features.Set(paced);
            }
            if (http.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
            {
                http.Features.Set<IHttpExtendedConnectFeature>(new PacedExtendedConnectFeature(connect, pacer));
            }
            await next(http);
        });
    }
}
