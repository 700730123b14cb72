using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>Writes agents' presence and cursors back to the store every few seconds and once more at shutdown.</summary>
public sealed class PresenceFlushService(
    SessionRegistry registry,
    IMessageStore store,
    IOptions<RelayOptions> options,
    ILogger<PresenceFlushService> logger) : PeriodicService(logger)
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

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Not cancellationToken: once a client has held the server's stop to the shutdown timeout it has already
        // fired, and skipping this one short write would replay to every agent all it read since the last flush.
        await RunGuardedAsync(CancellationToken.None);
    }
}
