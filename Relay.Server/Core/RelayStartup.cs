using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>Prepares the store and loads what it remembers before the server takes connections.</summary>
public sealed class RelayStartup(
    IMessageStore store,
    SessionRegistry registry,
    StoragePaths paths,
    ILogger<RelayStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            paths.EnsureDirectory();
            await store.InitializeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"The store at {paths.DatabasePath} could not be opened: {ex.Message}", ex);
        }
        var (_, newest) = await store.BoundsAsync(cancellationToken);
        var agents = await store.LoadAgentsAsync(cancellationToken);
        registry.Initialize(agents, newest);
        logger.LogInformation("Store ready at {DatabasePath}: last seq {LastSeq}, {AgentCount} known agents", paths.DatabasePath, newest, agents.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
