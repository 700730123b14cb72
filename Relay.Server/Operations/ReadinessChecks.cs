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

/// <summary>
/// Unhealthy when the store does not answer, or commits are failing or stalled (<see cref="StoreHealth"/>). A store that
/// does not answer is logged by <see cref="StoreFailureLog"/>, as commits that fail are.
/// </summary>
public sealed class StoreHealthCheck(IMessageStore store, StoreHealth health, StoreFailureLog failures) : IHealthCheck
{
    /// <summary>
    /// The health check service's logging category. It logs every unhealthy answer as an error, with the exception, and a
    /// platform asks every few seconds, anyone as often as they like: a draining relay would log errors, and one whose
    /// store fails one for each asking. What makes the relay unready is logged where it happens, once.
    /// </summary>
    public const string ServiceCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

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
            failures.Failed("answering the readiness check", ex);
            return HealthCheckResult.Unhealthy("the store does not answer", ex);
        }
    }
}
