using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// On SIGTERM or Ctrl+C, before the server stops: readiness fails, new connections are refused,
/// and every agent is told and closed, so the server's own drain finishes quickly.
/// </summary>
public sealed class ShutdownCoordinator(
    IHostApplicationLifetime lifetime,
    DrainState drain,
    SessionRegistry registry,
    IOptions<RelayOptions> options,
    ILogger<ShutdownCoordinator> logger) : IHostedService
{
    public static readonly RelayError ShuttingDown = new()
    {
        Code = ErrorCodes.ServerShutdown,
        Message = "The relay is shutting down; reconnect shortly.",
        Recoverable = false,
    };

    private CancellationTokenRegistration _onStopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _onStopping = lifetime.ApplicationStopping.Register(BeginDrain);
        return Task.CompletedTask;
    }

    private void BeginDrain()
    {
        drain.Begin();
        // Half the budget for agents to take what is queued for them; the rest is for commits and exit.
        var budget = TimeSpan.FromSeconds(options.Value.Shutdown.TimeoutSeconds / 2.0);
        var sessions = registry.CloseAll(ShuttingDown, budget);
        logger.LogInformation("Shutting down: closing {Count} sessions", sessions.Count);
        // SignalR aborts its connections on this same signal as soon as this callback returns (callbacks run
        // newest first, and this one was registered after SignalR's), so wait here until everyone was told, and
        // raw agents answered the last ping, so the cursors stored at shutdown count what they read.
        Task.WhenAll(sessions.Select(s => s.Finished)).Wait(budget);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _onStopping.Dispose();
        return Task.CompletedTask;
    }
}
