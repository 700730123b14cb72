using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using SignalRelay.Contracts;

namespace SignalRelay.Server.Auth;

/// <summary>
/// The one place a token is judged, whatever door it came through: the bearer handler (header and
/// <c>access_token</c> query), a raw socket's first frame and the hub's token refresh all call it. It uses the
/// bearer options' validation parameters and configuration manager, so every door sees the same keys
/// (from discovery and JWKS, refreshed on the library's schedule and when a token names an unknown <c>kid</c>).
/// </summary>
public sealed class RelayTokenValidator(
    IOptionsMonitor<JwtBearerOptions> bearer,
    IOptions<AuthOptions> auth,
    ILogger<RelayTokenValidator> logger)
{
    // azp: OIDC; client_id: RFC 9068, Cognito; appid: Entra ID v1; cid: Okta.
    private static readonly string[] ClientClaims = ["azp", "client_id", "appid", "cid"];

    // Only reads the token's shape: a JWS or JWE in compact form, within the library's size limit.
    private static readonly JsonWebTokenHandler CompactJwt = new();

    private long _outages;
    private Exception? _lastOutage;

    private static readonly RelayError Unavailable = new()
    {
        Code = ErrorCodes.AuthUnavailable,
        Message = "The relay cannot reach its identity provider to check the token; try again later.",
        Recoverable = false,
    };

    public async Task<TokenCheck> ValidateAsync(string token, CancellationToken ct)
    {
        var options = bearer.Get(JwtBearerDefaults.AuthenticationScheme);
        var manager = options.ConfigurationManager
            ?? throw new InvalidOperationException("JWT validation is not configured: Auth:Mode must be Jwt.");
        if (!CompactJwt.CanReadToken(token))
        {
            // Refused before the provider is asked: any string at all must not cost a fetch while it is out of reach.
            return Refuse(new SecurityTokenMalformedException("The token could not be read."));
        }
        if (await ConfigurationAsync(options, manager, ct) is not { } configuration)
        {
            return new TokenCheck(null, null, default, Unavailable, new SecurityTokenException(Unavailable.Message));
        }
        var parameters = options.TokenValidationParameters.Clone();
        parameters.ValidIssuers = [.. parameters.ValidIssuers ?? [], configuration.Issuer];
        parameters.IssuerSigningKeys = [.. parameters.IssuerSigningKeys ?? [], .. configuration.SigningKeys];

        TokenValidationResult? result = null;
        foreach (var handler in options.TokenHandlers)
        {
            result = await handler.ValidateTokenAsync(token, parameters);
            if (result.IsValid)
            {
                break;
            }
        }
        if (result is not { IsValid: true })
        {
            var failure = result?.Exception ?? new SecurityTokenMalformedException("The token could not be read.");
            if (failure is SecurityTokenSignatureKeyNotFoundException)
            {
                // The issuer may have rotated its keys: fetch the JWKS again (rate-limited by the library).
                manager.RequestRefresh();
            }
            return Refuse(failure);
        }

        var principal = new ClaimsPrincipal(result.ClaimsIdentity);
        var allowed = auth.Value.AllowedClients;
        if (allowed.Length > 0 && !allowed.Contains(ClientOf(principal), StringComparer.Ordinal))
        {
            return Refuse(new TokenRuleException("The token was issued to a client this relay does not allow (azp / client_id / appid / cid)."));
        }
        var agent = principal.FindFirst(auth.Value.AgentIdClaim)?.Value;
        if (string.IsNullOrEmpty(agent))
        {
            return Refuse(new TokenRuleException($"The token has no '{auth.Value.AgentIdClaim}' claim to name the agent."));
        }
        return new TokenCheck(principal, agent, ExpiresAt(principal) ?? result.SecurityToken.ValidTo + auth.Value.ClockSkew, null, null);
    }

    /// <summary>
    /// The issuer's discovery document and keys, or null when they cannot be fetched. That is the operator's problem, not
    /// the client's, so the token is refused without a 500, and <see cref="IdentityProviderOutageLog"/> warns of it once
    /// an interval: every request of every client meets it, and a warning each would flood the log.
    /// </summary>
    private async Task<OpenIdConnectConfiguration?> ConfigurationAsync(JwtBearerOptions options, IConfigurationManager<OpenIdConnectConfiguration> manager, CancellationToken ct)
    {
        try
        {
            // Each caller waits at most the provider timeout, however many are queued behind the fetch in progress.
            return await manager.GetConfigurationAsync(ct).WaitAsync(auth.Value.ProviderTimeout, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Volatile.Write(ref _lastOutage, ex);
            Interlocked.Increment(ref _outages);
            logger.LogDebug(ex, "Cannot fetch the identity provider's discovery document or keys from {Address}", options.MetadataAddress);
            return null;
        }
    }

    /// <summary>Tokens left unchecked because the identity provider could not be reached, since the last call, and the last reason.</summary>
    public (long Count, Exception? Last) TakeOutages() => (Interlocked.Exchange(ref _outages, 0), Volatile.Read(ref _lastOutage));

    /// <summary>
    /// When a validated principal's session must end: its <c>exp</c> plus the tolerated clock skew. Some service tokens
    /// say they never expire with an <c>exp</c> at the end of time; their sessions last as long as a date can.
    /// </summary>
    public DateTimeOffset? ExpiresAt(ClaimsPrincipal principal)
    {
        if (!long.TryParse(principal.FindFirst("exp")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var exp))
        {
            return null;
        }
        var lastWithSkew = (DateTimeOffset.MaxValue - auth.Value.ClockSkew).ToUnixTimeSeconds();
        return exp >= lastWithSkew ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds(exp) + auth.Value.ClockSkew;
    }

    private static string? ClientOf(ClaimsPrincipal principal) =>
        ClientClaims.Select(type => principal.FindFirst(type)?.Value).FirstOrDefault(v => !string.IsNullOrEmpty(v));

    private TokenCheck Refuse(Exception failure)
    {
        var (code, reason) = Classify(failure);
        // The reason and the library's message (which hides token contents by default), never the token itself.
        logger.LogDebug("Token refused: {Reason} ({Detail})", reason, failure.Message);
        return new TokenCheck(null, null, default, new RelayError { Code = code, Message = reason, Recoverable = false }, failure);
    }

    private static (string Code, string Reason) Classify(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => (ErrorCodes.TokenExpired, "The token has expired."),
        SecurityTokenNotYetValidException => (ErrorCodes.InvalidToken, "The token is not valid yet."),
        SecurityTokenSignatureKeyNotFoundException => (ErrorCodes.InvalidToken, "The token is signed with a key the issuer does not publish."),
        SecurityTokenInvalidSignatureException => (ErrorCodes.InvalidToken, "The token's signature is invalid."),
        SecurityTokenInvalidIssuerException => (ErrorCodes.InvalidToken, "The token comes from an issuer this relay does not trust."),
        SecurityTokenInvalidAudienceException => (ErrorCodes.InvalidToken, "The token is meant for another audience."),
        SecurityTokenMalformedException or ArgumentException => (ErrorCodes.InvalidToken, "The token is not a well-formed JWT."),
        TokenRuleException => (ErrorCodes.InvalidToken, failure.Message),
        _ => (ErrorCodes.InvalidToken, "The token was refused."),
    };

    /// <summary>A relay rule a correctly signed token breaks.</summary>
    private sealed class TokenRuleException(string message) : SecurityTokenValidationException(message);
}

/// <summary>A judged token: the principal and agent it names and when it lapses, or the error saying why it was refused.</summary>
public sealed record TokenCheck(ClaimsPrincipal? Principal, string? AgentId, DateTimeOffset ExpiresAt, RelayError? Error, Exception? Failure)
{
    public bool Succeeded => Error is null;
}
