namespace SignalRelay.Server.Core;

/// <summary>A hosted service that does one round of work on a fixed interval; a failed round is logged and retried next time.</summary>
public abstract class PeriodicService(ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <summary>Whether the first round runs at start rather than after one interval.</summary>
    protected virtual bool RunAtStart => false;

    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            if (RunAtStart)
            {
                await RunGuardedAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunGuardedAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    protected async Task RunGuardedAsync(CancellationToken ct)
    {
        try
        {
            await RunOnceAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "{Service} failed; it will be retried", GetType().Name);
        }
    }
}
