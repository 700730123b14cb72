using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>Keeps the store bounded by age and by count.</summary>
public sealed class RetentionService(
    IMessageStore store,
    TimeProvider clock,
    IOptions<RelayOptions> options,
    ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.Retention;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(retention.SweepSeconds));
        try
        {
            do
            {
                await SweepAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        var retention = options.Value.Retention;
        try
        {
            var cutoff = clock.GetUtcNow() - TimeSpan.FromHours(retention.MaxAgeHours);
            var deleted = await store.PruneAsync(cutoff, retention.MaxMessages, ct);
            if (deleted > 0)
            {
                logger.LogInformation("Retention removed {Count} messages", deleted);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Retention sweep failed; it will be retried");
        }
    }
}
