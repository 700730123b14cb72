using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Storage;

namespace SignalRelay.Server.Core;

/// <summary>
/// Keeps the store within <c>Relay:Retention:MaxStoreMegabytes</c> and within <c>MaxVolumeShare</c> of its volume, so
/// a full volume never stops the relay from storing, by deleting the oldest messages. Checked every second rather than
/// every sweep: at the send rate limit one agent can store tens of megabytes a second, and the check costs one query
/// when the store fits.
/// </summary>
public sealed class StoreSizeRetention(
    IMessageStore store,
    StoragePaths paths,
    VolumeFloor volumeFloor,
    IOptions<RelayOptions> options,
    ILogger<StoreSizeRetention> logger) : PeriodicService(logger)
{
    private const long Megabyte = 1024 * 1024;
    private readonly RetentionOptions _retention = options.Value.Retention;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _retention.MaxStoreMegabytes > 0 || _retention.MaxVolumeShare > 0 ? base.ExecuteAsync(stoppingToken) : Task.CompletedTask;

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var bound = Bound();
        var deleted = await store.PruneToSizeAsync(bound, ct);
        if (deleted > 0)
        {
            logger.LogWarning("Removed the oldest {Count} messages to keep the store within {Megabytes} MB", deleted, bound / Megabyte);
        }
    }

    private long Bound()
    {
        var bound = _retention.MaxStoreMegabytes > 0 ? _retention.MaxStoreMegabytes * Megabyte : long.MaxValue;
        // Measured each time: what the volume has room for changes with whatever else writes to it. The floor the
        // relay leaves free is not room for messages.
        var room = Math.Max(0, paths.RoomBytes() - volumeFloor.FloorBytes);
        return _retention.MaxVolumeShare > 0 ? Math.Min(bound, (long)(_retention.MaxVolumeShare * room)) : bound;
    }
}
