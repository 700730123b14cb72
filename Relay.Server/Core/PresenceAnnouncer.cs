namespace SignalRelay.Server.Core;

/// <summary>
/// Announces presence changes (agents arriving, leaving, changing their metadata) to everyone online. Changes
/// made during the pause after an announcement are gathered into the next one, so in a storm of arrivals each
/// session gets one write per announcement instead of one per change: with N agents arriving at a relay that
/// holds N, that is N² notices, which one at a time cost a thread hand-off and a send each.
/// </summary>
public sealed class PresenceAnnouncer(SessionRegistry registry, ILogger<PresenceAnnouncer> logger) : BackgroundService
{
    /// <summary>
    /// Changes per announcement: a few kilobytes per session, so that a storm of departures, announced to
    /// thousands of sessions that are leaving too, does not pile up in their send buffers.
    /// </summary>
    public const int MaxPerAnnouncement = 64;

    // After each announcement, a pause of about twice what writing it costs per session, so that announcing takes
    // at most about half a core however fast agents come and go. Pauses shorter than a millisecond (fewer than
    // ~100 sessions online) round to none.
    private static readonly TimeSpan PausePerSession = TimeSpan.FromMicroseconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await registry.WaitForPresenceChangesAsync(stoppingToken))
            {
                await Task.Delay(PausePerSession * AnnounceGuarded(), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // One failed announcement must not stop the others (nor, as a failed hosted service, the relay).
    private int AnnounceGuarded()
    {
        try
        {
            return registry.AnnouncePresence(MaxPerAnnouncement);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Announcing presence changes failed");
            return registry.OnlineCount;
        }
    }
}
