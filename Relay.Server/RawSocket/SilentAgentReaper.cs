using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket;

/// <summary>
/// Closes raw sessions of dialects that heartbeat (mesh) once nothing has arrived from them for
/// <c>Sessions:ReapAfterSeconds</c>; unregistering them tells everyone else they went offline.
/// </summary>
public sealed class SilentAgentReaper(SessionRegistry registry, TimeProvider clock, IOptions<RelayOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var silence = TimeSpan.FromSeconds(options.Value.Sessions.ReapAfterSeconds);
        using var timer = new PeriodicTimer(silence / 4, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Reap(clock.GetUtcNow() - silence);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Reap(DateTimeOffset silentSince)
    {
        foreach (var session in registry.OnlineSessions())
        {
            if (session is RawSession { Dialect.ReapsSilentAgents: true } raw && raw.LastActivity < silentSince)
            {
                raw.Close(RawErrors.Silent, drain: false);
            }
        }
    }
}
