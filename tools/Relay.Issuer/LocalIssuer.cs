using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SignalRelay.Issuer;

/// <summary>
/// A real OIDC issuer on 127.0.0.1 inside the calling process (the tests; the bench runs it in a child process):
/// it serves a discovery document and a JWKS over HTTP and signs tokens with RSA keys it generates.
/// <see cref="RotateKeys"/> switches to a new key, as an identity provider does, and the JWKS then publishes only
/// the new one.
/// </summary>
public sealed class LocalIssuer : IAsyncDisposable
{
    public const string Audience = "relay";
    public const string Client = "agent-app";
    public const string AdminRole = "relay-admin";

    private readonly WebApplication _app;
    private readonly JsonWebTokenHandler _tokens = new();
    private volatile RsaSecurityKey _key = NewKey();
    private int _jwksRequests;

    private LocalIssuer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The issuer (<c>iss</c>) and the base of its discovery document; known once listening.</summary>
    public string Authority =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');

    public string KeyId => _key.KeyId;

    /// <summary>How often the JWKS was fetched: the relay's key refreshes.</summary>
    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>
    /// Starts the issuer. With <paramref name="mintOverHttp"/> it also signs a good token for whoever asks
    /// (<c>GET /token?sub=agent</c>), for a caller in another process.
    /// </summary>
    public static async Task<LocalIssuer> StartAsync(bool mintOverHttp = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var issuer = new LocalIssuer(app);
        app.MapGet("/.well-known/openid-configuration", issuer.Discovery);
        app.MapGet("/jwks", issuer.Jwks);
        if (mintOverHttp)
        {
            app.MapGet("/token", (string sub) => issuer.Token(sub));
        }
        await app.StartAsync();
        return issuer;
    }

    /// <summary>The relay settings that trust this issuer.</summary>
    public Dictionary<string, string?> RelaySettings() => RelaySettingsFor(Authority);

    /// <summary>The relay settings that trust the issuer at <paramref name="authority"/>.</summary>
    public static Dictionary<string, string?> RelaySettingsFor(string authority) => new()
    {
        ["Auth:Mode"] = "Jwt",
        ["Auth:Authority"] = authority,
        ["Auth:Audiences:0"] = Audience,
        ["Auth:AllowedClients:0"] = Client,
        ["Auth:AdminRole"] = AdminRole,
        ["Auth:RequireHttpsMetadata"] = "false",
        ["Auth:ClockSkewSeconds"] = "0",
    };

    /// <summary>From now on tokens are signed with a new key, and the JWKS publishes only that key.</summary>
    public void RotateKeys() => _key = NewKey();

    /// <summary>A token for <paramref name="agent"/>, valid for this relay unless <paramref name="spec"/> says otherwise.</summary>
    public string Token(string agent, TokenSpec? spec = null)
    {
        spec ??= new TokenSpec();
        var now = DateTime.UtcNow;
        var notBefore = now + spec.NotBefore;
        var claims = new Dictionary<string, object> { ["sub"] = agent };
        if (spec.Client is not null)
        {
            claims[spec.ClientClaim] = spec.Client;
        }
        if (spec.Roles.Length > 0)
        {
            claims["roles"] = spec.Roles;
        }
        var key = spec.ForgedSignature ? new RsaSecurityKey(RSA.Create(2048)) { KeyId = _key.KeyId } : _key;
        return _tokens.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = spec.Issuer ?? Authority,
            Audience = spec.Audience,
            Claims = claims,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = spec.Expires ?? notBefore + spec.Lifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = Authority,
        ["jwks_uri"] = $"{Authority}/jwks",
        ["response_types_supported"] = new[] { "code" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
    });

    private IResult Jwks()
    {
        Interlocked.Increment(ref _jwksRequests);
        var publicKey = new RsaSecurityKey(_key.Rsa.ExportParameters(includePrivateParameters: false)) { KeyId = _key.KeyId };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(publicKey);
        return Results.Json(new Dictionary<string, object>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = jwk.Kty,
                    ["use"] = "sig",
                    ["alg"] = SecurityAlgorithms.RsaSha256,
                    ["kid"] = jwk.Kid,
                    ["n"] = jwk.N,
                    ["e"] = jwk.E,
                },
            },
        });
    }

    private static RsaSecurityKey NewKey()
    {
        var rsa = RSA.Create(2048);
        // The key pair is generated on first use; do it now, not inside a caller's timing window.
        rsa.ExportParameters(includePrivateParameters: false);
        return new RsaSecurityKey(rsa) { KeyId = Guid.NewGuid().ToString("N") };
    }

    /// <summary>Takes the issuer off the network, as an outage does.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>How a token differs from a good one (tests use the bad ones).</summary>
public sealed record TokenSpec
{
    public string? Audience { get; init; } = LocalIssuer.Audience;
    public string? Client { get; init; } = LocalIssuer.Client;

    /// <summary>Which claim names the client: <c>azp</c> (OIDC), <c>client_id</c> (Cognito), <c>appid</c> (Entra v1) or <c>cid</c> (Okta).</summary>
    public string ClientClaim { get; init; } = "azp";

    /// <summary>Overrides <c>iss</c>: a token from an issuer the relay does not trust.</summary>
    public string? Issuer { get; init; }

    public string[] Roles { get; init; } = [];
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Overrides <c>exp</c> with a fixed time, such as the end of time some service tokens use for "never".</summary>
    public DateTime? Expires { get; init; }

    /// <summary>When the token becomes valid, relative to now; negative for a token issued in the past.</summary>
    public TimeSpan NotBefore { get; init; } = TimeSpan.Zero;

    /// <summary>Signed by a key the issuer never published, under the current key's id.</summary>
    public bool ForgedSignature { get; init; }
}
