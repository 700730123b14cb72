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
        return services;
    }

    /// <summary>
    /// Takes WebSocket upgrades on <c>/</c> and <c>/ws</c>. Anything else, including a plain GET of <c>/</c>,
    /// goes on to the rest of the pipeline. Register it before any static-file middleware.
    /// </summary>
    public static IApplicationBuilder MapRawSockets(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.WebSockets.IsWebSocketRequest && context.Request.Path.Value is "/" or "/ws")
        {
            await context.RequestServices.GetRequiredService<RawSocketDoor>().AcceptAsync(context);
            return;
        }
        await next(context);
    });
}
