using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// One warning per interval while connections wait for their frame budget (<see cref="FramePacing"/>). A line per
/// paced frame or connection would itself be the flood the budget slows down.
/// </summary>
public sealed class PacedConnectionsLog(FramePacing pacing, ILogger<PacedConnectionsLog> logger) : PeriodicService(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(10);

    protected override Task RunOnceAsync(CancellationToken ct)
    {
        var paced = pacing.TakeWaitingCount();
        if (paced > 0)
        {
            logger.LogWarning(
                "Paced {Paced} connection(s) in the last {Seconds} s: they sent WebSocket frames, hub messages, HTTP requests or HTTP/2 frames faster than {FramesPerSecond} a second after {FrameBurst} at once, and were read only as fast (Relay:Limits:FramesPerSecond, FrameBurst)",
                paced, Interval.TotalSeconds, pacing.FramesPerSecond, pacing.FrameBurst);
        }
        return Task.CompletedTask;
    }
}
