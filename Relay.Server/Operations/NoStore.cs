namespace SignalRelay.Server.Operations;

/// <summary>
/// Answers read for one token (an agent's history, the admin's agent list) are kept by no browser or proxy cache: a
/// token may ride in the URL (<c>access_token</c>), which a shared cache keys on.
/// </summary>
public static class NoStore
{
    public static TBuilder WithNoStore<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context);
        });
}
