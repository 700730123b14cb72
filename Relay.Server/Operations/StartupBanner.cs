using System.Reflection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Operations;

/// <summary>
/// One log line once the server listens: version, listening URLs, database path, auth mode and connection cap,
/// so a platform's log view answers "what is running, where, with what" at a glance.
/// </summary>
public sealed class StartupBanner(
    IHostApplicationLifetime lifetime,
    IServer server,
    StoragePaths paths,
    IConfiguration configuration,
    IOptions<KestrelServerOptions> kestrel,
    ILogger<StartupBanner> logger) : IHostedService
{
    public const string AuthModeKey = "Auth:Mode";
    public const string DefaultAuthMode = "None";

    /// <summary>The version stamped from Directory.Build.props, with the source revision when the build knew it.</summary>
    public static string Version { get; } =
        typeof(StartupBanner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private CancellationTokenRegistration _onStarted;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The listening addresses are only known once the server has bound its ports.
        _onStarted = lifetime.ApplicationStarted.Register(Log);
        return Task.CompletedTask;
    }

    private void Log()
    {
        var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var authMode = configuration[AuthModeKey];
        logger.LogInformation(
            "SignalRelay {Version} listening on {Urls}; database {DatabasePath}; auth mode {AuthMode}; up to {MaxConnections} connections",
            Version,
            string.Join(", ", urls),
            paths.DatabasePath,
            string.IsNullOrWhiteSpace(authMode) ? DefaultAuthMode : authMode,
            kestrel.Value.Limits.MaxConcurrentConnections);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _onStarted.Dispose();
        return Task.CompletedTask;
    }
}
