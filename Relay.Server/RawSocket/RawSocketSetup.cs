using Microsoft.AspNetCore.Http.Features;
using SignalRelay.Server.RawSocket;

// In the server's root namespace so RelayApp needs no extra using.
namespace SignalRelay.Server;

/// <summary>Wires the raw WebSocket door (v0.3 and mesh dialects) into the relay.</summary>
public static class RawSocketSetup
{
    public static IServiceCollection AddRawSockets(this IServiceCollection services)
    {
        services.AddOptions<RawSocketOptions>()
            .BindConfiguration(RawSocketOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<RawSocketDoor>();
        services.AddHostedService<SilentAgentReaper>();
        services.AddHostedService<DeliveryConfirmationService>();
        return services;
    }

    /// <summary>
    /// Builds raw-door WebSockets over a <see cref="CoalescingStream"/>. Register it before <c>UseWebSockets</c>,
    /// which takes the upgrade feature as it finds it.
    /// </summary>
    public static IApplicationBuilder UseRawSocketWriteCoalescing(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (IsRawSocketPath(context.Request.Path)
            && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            context.Features.Set<IHttpUpgradeFeature>(new CoalescingUpgradeFeature(upgrade));
        }
        return next(context);
    });

    /// <summary>
    /// Takes WebSocket upgrades on <c>/</c> and <c>/ws</c>. Anything else, including a plain GET of <c>/</c>,
    /// goes on to the rest of the pipeline. Register it before any static-file middleware.
    /// </summary>
    public static IApplicationBuilder MapRawSockets(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.WebSockets.IsWebSocketRequest && IsRawSocketPath(context.Request.Path))
        {
            await context.RequestServices.GetRequiredService<RawSocketDoor>().AcceptAsync(context);
            return;
        }
        await next(context);
    });

    private static bool IsRawSocketPath(PathString path) => path.Value is "/" or "/ws";
}
