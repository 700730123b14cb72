using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// Writes agents' presence and cursors back to the store every few seconds, at once when an agent connects for the
/// first time (<see cref="SavedAsync"/>), and at shutdown twice: before the server
/// stops, once every agent has been closed and has confirmed what it read (<see cref="ShutdownCoordinator"/>), and once
/// more after. The first is the one that counts: the server's own stop may take what is left of the shutdown timeout,
/// waiting for a request a client never finishes sending, and the second is then handed an expired token.
/// </summary>
public sealed class PresenceFlushService(
    SessionRegistry registry,
    IMessageStore store,
    StoreFailureLog failures,
    ShutdownCoordinator shutdown,
    IOptions<RelayOptions> options,
    ILogger<PresenceFlushService> logger) : PeriodicService(logger), IHostedLifecycleService
{
    // One round at a time: two rounds side by side could store an older collection of an agent over a newer one.
    private readonly SemaphoreSlim _round = new(1, 1);
    private readonly Lock _requests = new();
    private TaskCompletionSource? _requested;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.Storage.PresenceFlushSeconds);

    /// <summary>
    /// Completes once a round that began after this call has ended, so what the registry held before it is stored
    /// (unless the store failed, which is logged and retried by the next round). An agent's first connection waits
    /// for this before it is welcomed: the broadcasts it is owed start where it first came, and a crash before that
    /// point was stored would leave it unknown, owed nothing of them. Calls that come together share one round.
    /// </summary>
    public Task SavedAsync()
    {
        TaskCompletionSource requested;
        lock (_requests)
        {
            if (_requested is { } pending)
            {
                return pending.Task;
            }
            requested = _requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        _ = Task.Run(() => RunRequestedAsync(requested));
        return requested.Task;
    }

    private async Task RunRequestedAsync(TaskCompletionSource requested)
    {
        try
        {
            await RunGuardedAsync(CancellationToken.None);
        }
        finally
        {
            requested.SetResult();
        }
    }

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        await _round.WaitAsync(ct);
        try
        {
            lock (_requests)
            {
                // What is asked for from here on waits for a round that collects after it.
                _requested = null;
            }
            var changes = registry.CollectChanges();
            try
            {
                await store.SaveAgentsAsync(changes, ct);
                registry.MarkSaved(changes);
            }
            catch (Exception ex)
            {
                // Collecting cleared their marks, and nothing else may change them again: mark them for the next round.
                registry.MarkUnsaved(changes);
                if (ex is OperationCanceledException)
                {
                    throw;
                }
                failures.Failed("writing agents' presence", ex);
            }
        }
        finally
        {
            _round.Release();
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
            // The flush before the server's stop has usually stored every cursor, and then the one after, handed the
            // expired token, has nothing to warn of: what is left (agents' offline status, last seen) costs no agent a message.
            if (registry.HasUnstoredCursors())
            {
                logger.LogWarning("The shutdown timeout ran out before agents' presence was written; they may be sent again what they read since it last was");
            }
        }
    }
}
