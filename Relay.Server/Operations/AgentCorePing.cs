using System.Text.Json.Serialization;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// The body of AWS Bedrock AgentCore's <c>GET /ping</c> health contract. <c>HealthyBusy</c> while agents are
/// connected tells AgentCore the session is doing work; <c>time_of_last_update</c> (Unix seconds) moves
/// only when the status changes, which is how AgentCore tells progress from a stuck container.
/// </summary>
public sealed record PingStatus(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("time_of_last_update")] long TimeOfLastUpdate);

[JsonSerializable(typeof(PingStatus))]
public sealed partial class OperationsJsonContext : JsonSerializerContext;

/// <summary>Remembers when the ping status last changed.</summary>
public sealed class AgentCorePing(SessionRegistry registry, TimeProvider clock)
{
    public const string Healthy = "Healthy";
    public const string HealthyBusy = "HealthyBusy";

    private readonly Lock _gate = new();
    private string? _status;
    private long _changedAt;

    public PingStatus Current()
    {
        var status = registry.OnlineCount > 0 ? HealthyBusy : Healthy;
        lock (_gate)
        {
            if (status != _status)
            {
                _status = status;
                _changedAt = clock.GetUtcNow().ToUnixTimeSeconds();
            }
            return new PingStatus(status, _changedAt);
        }
    }
}
