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

    private readonly Lazy<Task> _drained = new(() => Task.Run(() => DrainOnceAsync(drain, registry, options.Value, logger)));
    private CancellationTokenRegistration _onStopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // SignalR aborts its connections on this same signal as soon as this callback returns (callbacks run newest
        // first, and this one was registered after SignalR's), so it waits here until everyone was told.
        _onStopping = lifetime.ApplicationStopping.Register(() => DrainAsync().Wait());
        return Task.CompletedTask;
    }

    /// <summary>
    /// Closes every agent and waits, within half the shutdown timeout, until each was told and raw agents answered the
    /// last ping, so the cursors stored after it count what they read. The first call drains, from whichever comes first:
    /// the stopping signal, or the host's stop (<see cref="PresenceFlushService"/>); later calls wait for the same drain.
    /// </summary>
    public Task DrainAsync() => _drained.Value;

    private static async Task DrainOnceAsync(DrainState drain, SessionRegistry registry, RelayOptions options, ILogger logger)
    {
        drain.Begin();
        // Half the budget for agents to take what is queued for them; the rest is for commits and exit.
        var budget = TimeSpan.FromSeconds(options.Shutdown.TimeoutSeconds / 2.0);
        var sessions = registry.CloseAll(ShuttingDown, budget);
        logger.LogInformation("Shutting down: closing {Count} sessions", sessions.Count);
        try
        {
            await Task.WhenAll(sessions.Select(s => s.Finished)).WaitAsync(budget);
        }
        catch (TimeoutException)
        {
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _onStopping.Dispose();
        return Task.CompletedTask;
    }
}
