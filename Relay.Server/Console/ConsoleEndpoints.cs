using System.Globalization;
using SignalRelay.Contracts;
using SignalRelay.Server.Auth;
using SignalRelay.Server.Core;
using SignalRelay.Server.Identity;
using SignalRelay.Server.Operations;

// Not "...Console": that namespace would hide System.Console from every SignalRelay.Server namespace.
namespace SignalRelay.Server.WebConsole;

/// <summary>
/// The operator's browser console: the page on a plain GET of <c>/</c> (WebSocket upgrades of <c>/</c>
/// belong to the raw door and pass through untouched), its scripts and styles from wwwroot, and
/// <c>GET /api/history</c>, because the mesh dialect the page speaks has no history frame.
/// </summary>
public static class ConsoleEndpoints
{
    public const string HistoryPath = "/api/history";

    // The page loads only its own files and talks only to its own origin (ws:// and wss:// included).
    private const string ContentSecurityPolicy =
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    public static WebApplication MapConsole(this WebApplication app)
    {
        app.Use(ServePageAsync);
        // The page is also a static file (/index.html), so every file gets the page's headers.
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = file => AddPageHeaders(file.Context.Response) });
        app.MapMethods(HistoryPath, OperationsEndpoints.ReadMethods, HistoryAsync).RequireAuthorization(RelayPolicies.Agent).WithApiHeaders();
        return app;
    }

    private static async Task ServePageAsync(HttpContext context, RequestDelegate next)
    {
        var method = context.Request.Method;
        var page = context.Request.Path == "/" && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) && !context.WebSockets.IsWebSocketRequest
            ? context.RequestServices.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider.GetFileInfo("index.html")
            : null;
        if (page is not { Exists: true })
        {
            await next(context);
            return;
        }
        context.Response.ContentType = "text/html; charset=utf-8";
        AddPageHeaders(context.Response);
        await context.Response.SendFileAsync(page, context.RequestAborted);
    }

    private static void AddPageHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.CacheControl = "no-cache";
    }

    /// <summary>
    /// What the hub's History gives the same agent: the agent is resolved exactly as for a hub connection
    /// (the <c>agent</c> query parameter, or the token when auth is on). The bounds are read here rather than bound
    /// as numbers, because a failed binding would answer with an empty 400 instead of the relay's error.
    /// </summary>
    private static async Task<IResult> HistoryAsync(HttpContext http, AgentIdentityResolver identity, RelayBus bus,
        string? limit, string? since_seq, CancellationToken ct)
    {
        try
        {
            var agent = identity.ResolveHubAgent(http);
            var query = new HistoryQuery
            {
                Limit = NonNegative(limit, nameof(limit)) is { } n ? (int)Math.Min(n, int.MaxValue) : null,
                SinceSeq = NonNegative(since_seq, nameof(since_seq)),
            };
            var messages = await bus.HistoryAsync(agent, identity.HttpReader(http), query, ct);
            return Results.Json(messages, ApiResponses.Json.IReadOnlyListEnvelope);
        }
        catch (RelayException ex)
        {
            return RelayErrorResult.For(http, ex);
        }
    }

    private static long? NonNegative(string? text, string name) =>
        string.IsNullOrEmpty(text)
            ? null
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new RelayException(ErrorCodes.InvalidMessage, $"'{name}' must be a non-negative integer.");
}
