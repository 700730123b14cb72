using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket;

/// <summary>
/// A writer pings only after a run of writes, and at most once per <see cref="DeliveryConfirmation.Interval"/>;
/// this catches the runs that came too soon after a ping, so what an idle connection was sent last is confirmed
/// within about one interval.
/// </summary>
public sealed class DeliveryConfirmationService(SessionRegistry registry, ILogger<DeliveryConfirmationService> logger)
    : PeriodicService(logger)
{
    protected override TimeSpan Interval => DeliveryConfirmation.Interval;

    protected override Task RunOnceAsync(CancellationToken ct)
    {
        foreach (var session in registry.OnlineSessions())
        {
            (session as RawSession)?.RequestConfirmation();
        }
        return Task.CompletedTask;
    }
}
