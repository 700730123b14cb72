using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Auth;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;
using SignalRelay.Server.Operations;

namespace SignalRelay.Server.Identity;

/// <summary>
/// Decides which agent a connection speaks for. With auth off the agent names itself (the hub's
/// <c>agent</c> query parameter, a raw dialect's first frame). With auth on the token names it, and a
/// connection or frame that claims anyone else is refused with <c>SENDER_MISMATCH</c>.
/// </summary>
public sealed class AgentIdentityResolver(
    IOptions<RelayOptions> options,
    IOptions<AuthOptions> auth,
    RelayTokenValidator tokens)
{
    private bool AuthOn => auth.Value.Mode == AuthMode.Jwt;

    /// <summary>The agent id a hub connection speaks for, or a <c>RelayException</c> saying why there is none.</summary>
    public string ResolveHubAgent(HttpContext http)
    {
        var named = http.Request.Query[HubProtocol.AgentQuery];
        if (named.Count > 1)
        {
            throw new RelayException(ErrorCodes.InvalidAgentId,
                $"Name the agent once: the '{HubProtocol.AgentQuery}' query parameter came {named.Count} times.", recoverable: false);
        }
        var claimed = named.ToString();
        if (AuthOn)
        {
            return Bind(UpgradeAgent(http), claimed);
        }
        if (string.IsNullOrEmpty(claimed))
        {
            throw new RelayException(ErrorCodes.InvalidAgentId,
                $"Name the agent with the '{HubProtocol.AgentQuery}' query parameter, e.g. {HubProtocol.Path}?{HubProtocol.AgentQuery}=planner.",
                recoverable: false);
        }
        return Validate(claimed);
    }

    /// <summary>
    /// Whose read budget an HTTP read counts against: the token's agent with auth on; with auth off, where any request
    /// may name any agent, the client's address.
    /// </summary>
    public string HttpReader(HttpContext http) =>
        AuthOn ? UpgradeAgent(http) : ClientAddress.BudgetKey(http.Connection.RemoteIpAddress);

    /// <summary>When the token a hub connection was opened with lapses; null with auth off.</summary>
    public DateTimeOffset? HubExpiry(HttpContext http) => AuthOn ? tokens.ExpiresAt(http.User) : null;

    /// <summary>
    /// The verified agent behind a raw socket's identifying frame (HELLO, presence or an auth frame).
    /// With auth off the claimed id stands and the token, if any, is ignored. With auth on the frame's
    /// token is judged, else the token the upgrade request carried; the claimed id must match it.
    /// </summary>
    public async ValueTask<AgentIdentity> AuthenticateRawAsync(HttpContext http, string? claimedAgent, string? frameToken, CancellationToken ct)
    {
        if (!AuthOn)
        {
            return new AgentIdentity(Validate(claimedAgent), ExpiresAt: null);
        }
        if (!string.IsNullOrEmpty(frameToken))
        {
            return await AuthenticateTokenAsync(claimedAgent, frameToken, ct);
        }
        return new AgentIdentity(Bind(UpgradeAgent(http), claimedAgent), tokens.ExpiresAt(http.User));
    }

    /// <summary>
    /// Judges a presented token (a raw auth frame, the hub's token refresh) for an agent that may already be
    /// known. With auth off the token is ignored, as everywhere, and the session does not expire.
    /// </summary>
    public async Task<AgentIdentity> AuthenticateTokenAsync(string? claimedAgent, string token, CancellationToken ct)
    {
        if (!AuthOn)
        {
            return new AgentIdentity(Validate(claimedAgent), ExpiresAt: null);
        }
        var check = await tokens.ValidateAsync(token, ct);
        if (!check.Succeeded)
        {
            throw new RelayException(check.Error!);
        }
        return new AgentIdentity(Bind(check.AgentId!, claimedAgent), check.ExpiresAt);
    }

    /// <summary>Checks a claimed agent id and returns it.</summary>
    public string Validate(string? claimed)
    {
        var max = options.Value.Limits.MaxAgentIdLength;
        if (!AgentIds.IsValid(claimed, max))
        {
            throw new RelayException(ErrorCodes.InvalidAgentId,
                $"Agent id must be 1 to {max} characters, without control, format, invisible or line-separating characters or surrounding spaces.",
                recoverable: false);
        }
        if (AgentIds.IsRelayName(claimed!))
        {
            throw new RelayException(RelayNameTaken(claimed!) with { Recoverable = false });
        }
        return claimed!;
    }

    public static RelayError RelayNameTaken(string agent) => new()
    {
        Code = ErrorCodes.InvalidAgentId,
        Message = $"'{agent}' is the relay's own name; pick another.",
    };

    /// <summary>The agent named by the token the upgrade request carried (header or query), already validated by the bearer handler.</summary>
    private string UpgradeAgent(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true && http.User.FindFirst(auth.Value.AgentIdClaim)?.Value is { Length: > 0 } agent
            ? agent
            : throw new RelayException(ErrorCodes.AuthRequired,
                $"This relay requires a token: send 'Authorization: Bearer <token>', the '{BearerToken.QueryParameter}' query parameter, or a token in the first frame.",
                recoverable: false);

    private string Bind(string tokenAgent, string? claimed)
    {
        var agent = Validate(tokenAgent);
        if (!string.IsNullOrEmpty(claimed) && !string.Equals(claimed, agent, StringComparison.Ordinal))
        {
            // Both names go into the refusal, and from there into the log: a claim that is no agent id is refused as such.
            Validate(claimed);
            throw new RelayException(ErrorCodes.SenderMismatch,
                $"The token names agent '{agent}'; this connection may not speak as '{claimed}'.",
                recoverable: false);
        }
        return agent;
    }
}

/// <summary>Who a connection speaks for, and until when its credentials hold (null: no expiry).</summary>
public sealed record AgentIdentity(string AgentId, DateTimeOffset? ExpiresAt);
