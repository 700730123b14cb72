using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Identity;

/// <summary>
/// Decides which agent a connection speaks for. With auth off the agent names itself
/// (the hub's <c>agent</c> query parameter, a raw dialect's first frame).
/// </summary>
public sealed class AgentIdentityResolver(IOptions<RelayOptions> options)
{
    /// <summary>The agent id a hub connection claims, or a <c>RelayException</c> saying why there is none.</summary>
    public string ResolveHubAgent(HttpContext http)
    {
        var claimed = http.Request.Query[HubProtocol.AgentQuery].ToString();
        if (string.IsNullOrEmpty(claimed))
        {
            throw new RelayException(ErrorCodes.InvalidAgentId,
                $"Name the agent with the '{HubProtocol.AgentQuery}' query parameter, e.g. {HubProtocol.Path}?{HubProtocol.AgentQuery}=planner.",
                recoverable: false);
        }
        return Validate(claimed);
    }

    /// <summary>
    /// The verified agent behind a raw socket's identifying frame (HELLO, presence or an auth frame).
    /// With auth off the claimed id stands; the token, if any, is ignored.
    /// </summary>
    public ValueTask<AgentIdentity> AuthenticateRawAsync(HttpContext http, string? claimedAgent, string? frameToken, CancellationToken ct) =>
        ValueTask.FromResult(new AgentIdentity(Validate(claimedAgent), ExpiresAt: null));

    /// <summary>Checks a claimed agent id and returns it.</summary>
    public string Validate(string? claimed)
    {
        var max = options.Value.Limits.MaxAgentIdLength;
        if (!AgentIds.IsValid(claimed, max))
        {
            throw new RelayException(ErrorCodes.InvalidAgentId,
                $"Agent id must be 1 to {max} characters, without control characters or surrounding spaces.",
                recoverable: false);
        }
        return claimed!;
    }
}

/// <summary>Who a connection speaks for, and until when its credentials hold (null: no expiry).</summary>
public sealed record AgentIdentity(string AgentId, DateTimeOffset? ExpiresAt);
