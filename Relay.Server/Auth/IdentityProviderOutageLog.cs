using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Auth;

/// <summary>One warning per interval while tokens cannot be checked because the identity provider is out of reach.</summary>
public sealed class IdentityProviderOutageLog(
    RelayTokenValidator tokens,
    IOptionsMonitor<JwtBearerOptions> bearer,
    ILogger<IdentityProviderOutageLog> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(10);

    protected override Task RunOnceAsync(CancellationToken ct)
    {
        var (outages, last) = tokens.TakeOutages();
        if (outages > 0)
        {
            logger.LogWarning(last,
                "Cannot fetch the identity provider's discovery document or keys from {Address}: {Refused} token check(s) in the last {Seconds} s were refused with AUTH_UNAVAILABLE",
                bearer.Get(JwtBearerDefaults.AuthenticationScheme).MetadataAddress, outages, Interval.TotalSeconds);
        }
        return Task.CompletedTask;
    }
}
