namespace SignalRelay.Server.Auth;

/// <summary>Where a token rides on an HTTP request: the <c>Authorization</c> header, else the <c>access_token</c> query parameter.</summary>
public static class BearerToken
{
    /// <summary>The query parameter browsers and SignalR clients use, since a browser WebSocket cannot set headers.</summary>
    public const string QueryParameter = "access_token";

    private const string Scheme = "Bearer ";

    public static string? From(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            var token = header[Scheme.Length..].Trim();
            return token.Length > 0 ? token : null;
        }
        var query = request.Query[QueryParameter].ToString();
        return query.Length > 0 ? query : null;
    }
}
