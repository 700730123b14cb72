using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>Keeps the store bounded by age and by count.</summary>
public sealed class RetentionService(
    IMessageStore store,
    TimeProvider clock,
    IOptions<RelayOptions> options,
    ILogger<RetentionService> logger) : PeriodicService(logger)
{
    private readonly RetentionOptions _retention = options.Value.Retention;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(_retention.SweepSeconds);

    protected override bool RunAtStart => true;

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromHours(_retention.MaxAgeHours);
        var deleted = await store.PruneAsync(cutoff, _retention.MaxMessages, ct);
        if (deleted > 0)
        {
            logger.LogInformation("Retention removed {Count} messages", deleted);
        }
    }
}
