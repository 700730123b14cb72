using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace SignalRelay.Server.Auth;

/// <summary>Wires the <c>Auth</c> section: options, the JWT bearer scheme, the relay's policies and the upgrade gate.</summary>
public static class AuthSetup
{
    public static IServiceCollection AddRelayAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<RelayTokenValidator>();
        services.AddHostedService<IdentityProviderOutageLog>();

        // Everything below reads the Auth section when first used, not now: configuration may still be added
        // after the relay's services are registered (tests, hosting extensions).
        services.AddAuthentication().AddJwtBearer();
        services.AddOptions<AuthenticationOptions>()
            .Configure<IOptions<AuthOptions>>((o, auth) =>
                o.DefaultScheme = auth.Value.Mode == AuthMode.Jwt ? JwtBearerDefaults.AuthenticationScheme : null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((bearer, auth) => ConfigureBearer(bearer, auth.Value));
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>()
            .Configure<IOptions<AuthOptions>>((o, auth) => AddPolicies(o, auth.Value));
        return services;
    }

    /// <summary>Authentication and authorization, then the gate that answers 401 to a WebSocket upgrade carrying a bad token.</summary>
    public static IApplicationBuilder UseRelayAuth(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        if (app.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value.Mode == AuthMode.Jwt)
        {
            app.Use(RefuseBadUpgradeTokensAsync);
        }
        return app;
    }

    private static void AddPolicies(AuthorizationOptions authorization, AuthOptions auth)
    {
        if (auth.Mode == AuthMode.None)
        {
            authorization.AddPolicy(RelayPolicies.Agent, p => p.RequireAssertion(_ => true));
            authorization.AddPolicy(RelayPolicies.Admin, p => p.RequireAssertion(_ => true));
            return;
        }
        authorization.AddPolicy(RelayPolicies.Agent, p => p.RequireAuthenticatedUser());
        authorization.AddPolicy(RelayPolicies.Admin, p => p.RequireAuthenticatedUser().RequireRole(auth.AdminRole));
    }

    private static void ConfigureBearer(JwtBearerOptions bearer, AuthOptions auth)
    {
        bearer.Authority = auth.Authority;
        if (!string.IsNullOrEmpty(auth.MetadataAddress))
        {
            bearer.MetadataAddress = auth.MetadataAddress;
        }
        bearer.RequireHttpsMetadata = auth.RequireHttpsMetadata;
        // The library fetches for one caller at a time while it has no configuration; a fetch that hangs holds the next.
        bearer.BackchannelTimeout = auth.ProviderTimeout;
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudiences = auth.Audiences,
            ValidateAudience = auth.Audiences.Length > 0,
            NameClaimType = auth.AgentIdClaim,
            RoleClaimType = auth.RoleClaim,
            ClockSkew = auth.ClockSkew,
        };
        bearer.Events = new JwtBearerEvents { OnMessageReceived = AuthenticateAsync };
    }

    /// <summary>Judges the request's token with the same validator every other door uses.</summary>
    private static async Task AuthenticateAsync(MessageReceivedContext context)
    {
        if (BearerToken.From(context.Request) is not { } token)
        {
            context.NoResult();
            return;
        }
        var validator = context.HttpContext.RequestServices.GetRequiredService<RelayTokenValidator>();
        var check = await validator.ValidateAsync(token, context.HttpContext.RequestAborted);
        if (!check.Succeeded)
        {
            context.Fail(check.Failure!);
            return;
        }
        context.Principal = check.Principal;
        context.Properties.ExpiresUtc = check.ExpiresAt;
        context.Success();
    }

    /// <summary>
    /// A raw socket may arrive without a token and authenticate in its first frame, so the raw door has no
    /// authorization policy; but a token that is presented on the upgrade and refused ends it here with 401.
    /// </summary>
    private static async Task RefuseBadUpgradeTokensAsync(HttpContext context, RequestDelegate next)
    {
        if (context.WebSockets.IsWebSocketRequest && BearerToken.From(context.Request) is not null)
        {
            // Answered from the handler's per-request cache: the token is not validated twice.
            var result = await context.AuthenticateAsync();
            if (!result.Succeeded)
            {
                await context.ChallengeAsync();
                return;
            }
        }
        await next(context);
    }
}
