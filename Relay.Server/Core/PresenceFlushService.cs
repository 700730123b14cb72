using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// Writes agents' presence and cursors back to the store every few seconds, and at shutdown twice: before the server
/// stops, once every agent has been closed and has confirmed what it read (<see cref="ShutdownCoordinator"/>), and once
/// more after. The first is the one that counts: the server's own stop may take what is left of the shutdown timeout,
/// waiting for a request a client never finishes sending, and the second is then handed an expired token.
/// </summary>
public sealed class PresenceFlushService(
    SessionRegistry registry,
    IMessageStore store,
    ShutdownCoordinator shutdown,
    IOptions<RelayOptions> options,
    ILogger<PresenceFlushService> logger) : PeriodicService(logger), IHostedLifecycleService
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.Storage.PresenceFlushSeconds);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var changes = registry.CollectChanges();
        try
        {
            await store.SaveAgentsAsync(changes, ct);
        }
        catch
        {
            // Collecting cleared their marks, and nothing else may change them again: mark them for the next round.
            registry.MarkUnsaved(changes);
            throw;
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => FlushAtShutdownAsync(cancellationToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAtShutdownAsync(cancellationToken);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // The token is the host's shutdown timeout: a store that does not answer (another process holding its lock) must
    // not hold the exit past it, and an expired token must not fail the host's stop.
    private async Task FlushAtShutdownAsync(CancellationToken ct)
    {
        try
        {
            // On SIGTERM the host's stop runs beside the stopping signal's drain: a flush before the drain ends would miss
            // the cursors the agents' last pongs confirm.
            await shutdown.DrainAsync().WaitAsync(ct);
            await RunGuardedAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            logger.LogWarning("The shutdown timeout ran out before agents' presence was written; they may be sent again what they read since it last was");
        }
    }
}
