namespace SignalRelay.Server.Auth;

public enum AuthMode
{
    /// <summary>Agents name themselves: the one-command local start.</summary>
    None,

    /// <summary>Every door demands an OIDC JWT; the agent id comes from the token.</summary>
    Jwt,
}

/// <summary>The <c>Auth</c> section of configuration (env: <c>Auth__Mode=Jwt</c>, <c>Auth__Audiences__0=relay</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.None;

    /// <summary>The issuer, e.g. <c>https://login.example.com/realms/agents</c>; its discovery document names the JWKS.</summary>
    public string? Authority { get; set; }

    /// <summary>The discovery document, when it is not at <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Accepted <c>aud</c> values; empty: the audience is not checked (then <see cref="AllowedClients"/> must be set).</summary>
    public string[] Audiences { get; set; } = [];

    /// <summary>Accepted client ids, matched against <c>azp</c>, <c>client_id</c>, <c>appid</c> or <c>cid</c>; empty: any client.</summary>
    public string[] AllowedClients { get; set; } = [];

    /// <summary>The claim that names the agent.</summary>
    public string AgentIdClaim { get; set; } = "sub";

    /// <summary>The claim that carries roles (Entra ID: <c>roles</c>, Cognito: <c>cognito:groups</c>, Okta: <c>groups</c>).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The role <c>/api/agents</c> demands (<c>/api/history</c> takes any agent's token).</summary>
    public string AdminRole { get; set; } = "relay-admin";

    /// <summary>Refuse discovery and JWKS over plain http; only ever false on a development machine.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Tolerated clock difference with the issuer, for <c>exp</c> and <c>nbf</c>.</summary>
    public int ClockSkewSeconds { get; set; } = 60;

    public TimeSpan ClockSkew => TimeSpan.FromSeconds(ClockSkewSeconds);

    /// <summary>
    /// How long a token check waits for the issuer's discovery document and keys before it answers that the provider is
    /// out of reach: a provider that takes connections and never answers must not hold every client's check.
    /// </summary>
    public int ProviderTimeoutSeconds { get; set; } = 10;

    public TimeSpan ProviderTimeout => TimeSpan.FromSeconds(ProviderTimeoutSeconds);
}
