using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// New connections per client address, at the raw doors and the hub in each of its transports, a token bucket each.
/// With auth off an agent is whoever it says it is, so a client that opens connections under ever new names would
/// otherwise be limited only by how fast the relay accepts them: each name stays known, and each arrival is announced
/// to everyone online.
/// </summary>
public static class ConnectionRateLimit
{
    private const string Unlimited = "";

    public static IServiceCollection AddConnectionRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RelayOptions>>((o, relay) =>
        {
            var limits = relay.Value.Limits;
            var bucket = TokenBucketSettings.PerSecond(limits.NewConnectionsPerSecondPerAddress, limits.NewConnectionBurstPerAddress);
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => OpensConnection(http)
                ? RateLimitPartition.Get(ClientAddress.Key(http.Connection.RemoteIpAddress), _ => new RefilledOnTake(bucket))
                : RateLimitPartition.GetNoLimiter(Unlimited));
            o.OnRejected = (context, ct) =>
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = "1";
                var error = new RelayError
                {
                    Code = ErrorCodes.RateLimited,
                    Message = "Too many new connections from this address; retry in a second.",
                    Recoverable = true,
                };
                return new ValueTask(response.WriteAsJsonAsync(error, RelayJsonContext.Default.RelayError, cancellationToken: ct));
            };
        });
        return services;
    }

    /// <summary>
    /// A raw door's upgrade, a hub negotiation (how Server-Sent Events and long-polling connections begin, and most
    /// WebSocket ones), or a hub upgrade that skipped negotiating. The hub's other requests carry the <c>id</c> of a
    /// connection negotiated, and counted, already. The endpoint, not the path, says what a request is: routing also
    /// takes the negotiation's path with a trailing slash.
    /// </summary>
    private static bool OpensConnection(HttpContext http)
    {
        var metadata = http.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<NegotiateMetadata>() is not null)
        {
            return true;
        }
        var joinsNegotiatedHubConnection = metadata?.GetMetadata<HubMetadata>() is not null && http.Request.Query.ContainsKey("id");
        return http.WebSockets.IsWebSocketRequest && !joinsNegotiatedHubConnection;
    }
}
