using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Hub;

/// <summary>
/// CORS for the hub's requests only, from the origins <c>Relay:Cors:AllowedOrigins</c> names. The official SignalR
/// client sends its requests with credentials, so the answer names the origin and allows credentials; the relay itself
/// reads no cookies, its tokens come in the header or the query. The raw doors need none of this: a browser does not
/// hold a WebSocket upgrade to the page's origin.
/// </summary>
public static class HubCrossOrigin
{
    private const string Policy = "hub";

    public static IServiceCollection AddHubCrossOrigin(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<RelayOptions>>((cors, relay) =>
            cors.AddPolicy(Policy, policy => policy
                .WithOrigins([.. relay.Value.Cors.Origins])
                .AllowAnyHeader()
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete)
                .AllowCredentials()));
        return services;
    }

    /// <summary>Answers a preflight of the hub's paths, and adds the CORS headers to their other requests, before auth runs.</summary>
    public static IApplicationBuilder UseHubCrossOrigin(this IApplicationBuilder app) =>
        app.UseWhen(http => http.Request.Path.StartsWithSegments(HubProtocol.Path), hub => hub.UseCors(Policy));
}
