using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// Keeps the store within <c>Relay:Retention:MaxStoreMegabytes</c>, so a full volume never stops the relay from
/// storing, by deleting the oldest messages. Checked every second rather than every sweep: at the send rate limit one
/// agent can store tens of megabytes a second, and the check costs one query when the store fits.
/// </summary>
public sealed class StoreSizeRetention(
    IMessageStore store,
    IOptions<RelayOptions> options,
    ILogger<StoreSizeRetention> logger) : PeriodicService(logger)
{
    private readonly long _maxMegabytes = options.Value.Retention.MaxStoreMegabytes;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _maxMegabytes > 0 ? base.ExecuteAsync(stoppingToken) : Task.CompletedTask;

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var deleted = await store.PruneToSizeAsync(_maxMegabytes * 1024 * 1024, ct);
        if (deleted > 0)
        {
            logger.LogWarning("Removed the oldest {Count} messages to keep the store within {Megabytes} MB", deleted, _maxMegabytes);
        }
    }
}
