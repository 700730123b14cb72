using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket;

/// <summary>
/// Closes raw sessions of dialects that heartbeat (mesh) once nothing has arrived from them for
/// <c>Sessions:ReapAfterSeconds</c>; unregistering them tells everyone else they went offline.
/// </summary>
public sealed class SilentAgentReaper(
    SessionRegistry registry,
    TimeProvider clock,
    IOptions<RelayOptions> options,
    ILogger<SilentAgentReaper> logger) : PeriodicService(logger)
{
    private readonly TimeSpan _silence = TimeSpan.FromSeconds(options.Value.Sessions.ReapAfterSeconds);

    protected override TimeSpan Interval => _silence / 4;

    protected override Task RunOnceAsync(CancellationToken ct)
    {
        var silentSince = clock.GetUtcNow() - _silence;
        foreach (var session in registry.OnlineSessions())
        {
            if (session is RawSession { Dialect.ReapsSilentAgents: true } raw && raw.LastActivity < silentSince)
            {
                raw.End(RawErrors.Silent);
            }
        }
        return Task.CompletedTask;
    }
}
