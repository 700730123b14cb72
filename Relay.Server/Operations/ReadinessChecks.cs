using Microsoft.Extensions.Diagnostics.HealthChecks;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>Unhealthy once the relay is draining for shutdown.</summary>
public sealed class DrainHealthCheck(DrainState drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("draining")
            : HealthCheckResult.Healthy());
}

/// <summary>Unhealthy when the store does not answer, or commits are failing or stalled (<see cref="StoreHealth"/>).</summary>
public sealed class StoreHealthCheck(IMessageStore store, StoreHealth health) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (health.CurrentFailure is { } failure)
        {
            return HealthCheckResult.Unhealthy("commits are failing or stalled", failure);
        }
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the store does not answer", ex);
        }
    }
}
