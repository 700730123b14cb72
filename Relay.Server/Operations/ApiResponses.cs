using System.Text.Encodings.Web;
using System.Text.Json;
using SignalRelay.Contracts;

namespace SignalRelay.Server.Operations;

/// <summary>How the HTTP API (<c>/api/agents</c>, <c>/api/history</c>) answers.</summary>
public static class ApiResponses
{
    /// <summary>
    /// Pages are cut at <c>MaxReplyBytes</c> of content and metadata as stored; the default encoder would send each
    /// <c>&lt;</c>, <c>&amp;</c> or non-ASCII character as six bytes, a page six times the bound. As the raw door sends them.
    /// </summary>
    public static readonly RelayJsonContext Json = new(new JsonSerializerOptions(RelayJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>
    /// What is read for one token is kept by no browser or proxy cache (a token may ride in the URL as
    /// <c>access_token</c>, which a shared cache keys on), and JSON that is no longer escaped for HTML is never sniffed as HTML.
    /// </summary>
    public static TBuilder WithApiHeaders<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.CacheControl = "no-store";
            headers.XContentTypeOptions = "nosniff";
            return await next(context);
        });
}
