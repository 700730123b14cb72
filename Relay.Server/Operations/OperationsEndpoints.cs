using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using SignalRelay.Contracts;
using SignalRelay.Server.Auth;
using SignalRelay.Server.Core;
using SignalRelay.Server.Identity;

namespace SignalRelay.Server.Operations;

public static class OperationsEndpoints
{
    public const string ReadinessTag = "ready";
    public const string LivenessPath = "/healthz";
    public const string AgentCorePingPath = "/ping";

    /// <summary>What every read-only endpoint answers: HEAD as well as GET, as HTTP asks and uptime checkers expect.</summary>
    public static readonly IReadOnlyList<string> ReadMethods = [HttpMethods.Get, HttpMethods.Head];

    /// <summary><c>/healthz</c> (liveness), <c>/ping</c> (AgentCore's health contract), <c>/readyz</c> (readiness), <c>/api/agents</c>.</summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapMethods(LivenessPath, ReadMethods, () => Results.Text("OK"));
        app.MapMethods(AgentCorePingPath, ReadMethods, (AgentCorePing ping) =>
            Results.Json(ping.Current(), OperationsJsonContext.Default.PingStatus));
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadinessTag),
        });
        app.MapMethods("/api/agents", ReadMethods, Agents).RequireAuthorization(RelayPolicies.Admin).WithApiHeaders();
        return app;
    }

    /// <summary>
    /// A page like the hub's agent list (<c>?after=ID</c> for the next, until one is empty), counted against the reader's
    /// budget as the hub counts it: with auth off, against the client's address, or a fresh name a page would give a
    /// fresh budget.
    /// </summary>
    private static IResult Agents(HttpContext http, AgentIdentityResolver identity, RelayBus bus, string? after)
    {
        try
        {
            return Results.Json(bus.Agents(identity.HttpReader(http), after), ApiResponses.Json.IReadOnlyListAgentInfo);
        }
        catch (RelayException ex)
        {
            return RelayErrorResult.For(http, ex);
        }
    }

    /// <summary>Refuses new WebSocket and hub connections while draining.</summary>
    public static IApplicationBuilder UseDrainGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var drain = context.RequestServices.GetRequiredService<DrainState>();
        if (drain.IsDraining && (context.WebSockets.IsWebSocketRequest || context.Request.Path.StartsWithSegments(HubProtocol.Path)))
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("The relay is shutting down.");
            return;
        }
        await next(context);
    });
}
