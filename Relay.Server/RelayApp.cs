using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Auth;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;
using SignalRelay.Server.Hub;
using SignalRelay.Server.Identity;
using SignalRelay.Server.Operations;
using SignalRelay.Server.Storage;
using SignalRelay.Server.WebConsole;

namespace SignalRelay.Server;

/// <summary>Builds the relay: used by <c>Program</c> and by tests that host it in-process.</summary>
public static class RelayApp
{
    public const int DefaultPort = 8080;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        ConfigureUrls(builder);
        AddRelay(builder.Services, builder.Configuration);
        var hostStart = new HostStartLog();
        hostStart.AddTo(builder.Logging);
        configure?.Invoke(builder);

        var app = builder.Build();
        hostStart.Watch(app.Lifetime);
        app.UseHttpRequestPacing();
        app.UseRawSocketWriteCoalescing();
        app.UseWebSockets();
        app.UseRateLimiter();
        app.UseDrainGate();
        app.UseHubCrossOrigin();
        app.UseRelayAuth();
        app.MapRawSockets();
        app.MapOperations();
        app.MapPacedHub<RelayHub>(HubProtocol.Path, HubIdentityGate.Refusing);
        app.MapConsole();
        return app;
    }

    /// <summary>An explicit <c>urls</c> setting wins; else the seed's <c>PORT</c>; else 8080 on every interface.</summary>
    private static void ConfigureUrls(WebApplicationBuilder builder)
    {
        if (!string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            return;
        }
        var port = builder.Configuration["PORT"];
        if (string.IsNullOrEmpty(port))
        {
            port = DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (!int.TryParse(port, out var parsed) || parsed is < 0 or > 65535)
        {
            throw new InvalidOperationException($"PORT must be a number from 0 to 65535, not '{port}'.");
        }
        builder.WebHost.UseUrls($"http://+:{port}");
    }

    private static void AddRelay(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RelayOptions>()
            .Bind(configuration.GetSection(RelayOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<RelayOptions>>((o, relay) =>
            o.ShutdownTimeout = TimeSpan.FromSeconds(relay.Value.Shutdown.TimeoutSeconds));

        var paths = new StoragePaths(configuration);
        services.AddSingleton(paths);
        services.AddSingleton<DatabaseLock>();
        // The relay logs the store's failures itself (StoreFailureLog, each service's own), once an episode: EF Core would
        // log two errors with a stack trace for every read a failing store refuses, and every client of it comes back.
        services.AddDbContextFactory<RelayDbContext>(o => o.UseSqlite(paths.ConnectionString).ConfigureWarnings(w => w.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug))));
        services.AddSingleton<VolumeFloor>();
        services.AddSingleton<IMessageStore, SqliteMessageStore>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<QueueLimits>();
        services.AddSingleton<StoreHealth>();
        services.AddSingleton<StoreFailureLog>();
        services.AddSingleton<DrainState>();
        services.AddSingleton<AgentRateLimits>();
        services.AddSingleton<FramePacing>();
        services.AddSingleton<ReplayPlanner>();
        services.AddSingleton<RelayBus>();
        services.AddSingleton<AgentIdentityResolver>();
        services.AddRelayAuth(configuration);
        services.AddSingleton<CommitPipeline>();
        services.AddSingleton<ShutdownCoordinator>();
        services.AddSingleton<PresenceFlushService>();
        services.AddRawSockets();
        services.AddConnectionRateLimit();
        services.AddConnectionCapacity();
        services.AddHttp2FramePacing();
        services.AddHubCrossOrigin();

        // Start order matters: the store is ready before anything writes; stop runs in reverse,
        // so the pipeline drains after the sessions are closed.
        services.AddHostedService<RelayStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<CommitPipeline>());
        services.AddHostedService<PresenceAnnouncer>();
        services.AddHostedService(sp => sp.GetRequiredService<PresenceFlushService>());
        services.AddHostedService<RetentionService>();
        services.AddHostedService<StoreSizeRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownCoordinator>());
        services.AddHostedService<PacedConnectionsLog>();
        services.AddHostedService(sp => sp.GetRequiredService<StoreFailureLog>());
        services.AddDeploymentSupport();

        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [OperationsEndpoints.ReadinessTag])
            .AddCheck<DrainHealthCheck>("drain", tags: [OperationsEndpoints.ReadinessTag]);

        services.AddLogging(o => o
            .AddFilter(RelayHubFilter.DispatcherCategory, LogLevel.Critical)
            .AddFilter(StoreHealthCheck.ServiceCategory, LogLevel.Critical));
        services.AddSignalR(o =>
            {
                // Lets a client pipeline sends instead of waiting a commit per message. Per-sender order holds:
                // invocations start in arrival order and Send queues its message before its first real await.
                o.MaximumParallelInvocationsPerClient = 16;
                o.AddFilter<RelayHubFilter>();
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, RelayJsonContext.Default));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<HubConnectionHandler<RelayHub>>(sp,
            new HubRefusalQuietLogging(sp.GetRequiredService<ILoggerFactory>())));
        services.Remove(services.Single(d => d.ServiceType == typeof(IHubProtocol) && d.ImplementationType == typeof(JsonHubProtocol)));
        services.AddSingleton<IHubProtocol>(sp => new RelayErrorText(new UnknownMessagesAsPings(new JsonHubProtocol(sp.GetRequiredService<IOptions<JsonHubProtocolOptions>>()))));
        services.AddOptions<HubOptions>().Configure<IOptions<RelayOptions>>((o, relay) =>
            o.MaximumReceiveMessageSize = relay.Value.Limits.MaxFrameBytes);
    }
}
