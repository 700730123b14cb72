using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Data.Sqlite;
using SignalRelay.Client;
using SignalRelay.Server;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// The real relay, hosted in the test process on 127.0.0.1 with a free port and a SQLite file in a
/// temporary folder. Settings are passed as configuration keys, e.g. <c>["Relay:Limits:Burst"] = "10"</c>.
/// </summary>
public sealed class TestRelay : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDirectory;
    private readonly List<RelayClient> _clients = [];

    private TestRelay(WebApplication app, string databasePath, TempDirectory? ownedDirectory)
    {
        App = app;
        DatabasePath = databasePath;
        _ownedDirectory = ownedDirectory;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseUri = new Uri(address);
    }

    public WebApplication App { get; }
    public Uri BaseUri { get; }
    public string DatabasePath { get; }
    public IServiceProvider Services => App.Services;

    /// <summary>ws:// address of a path on this relay.</summary>
    public Uri WebSocketUri(string path = "/") => new($"ws://{BaseUri.Authority}{path}");

    /// <param name="sendBufferBytes">
    /// Fixes the send buffer of the relay's sockets, which accepted sockets inherit from the listening one. Left to
    /// itself the kernel grows it up to <c>net.ipv4.tcp_wmem</c>, which can be large enough to take a whole replay, so
    /// a test that needs the relay to stay close behind a slow reader must fix it.
    /// </param>
    /// <param name="services">Adds to the relay's services, e.g. a hub filter that holds what a test needs held.</param>
    public static async Task<TestRelay> StartAsync(
        IDictionary<string, string?>? settings = null, string? databasePath = null, TimeProvider? clock = null,
        int? sendBufferBytes = null, Action<IServiceCollection>? services = null)
    {
        var owned = databasePath is null ? new TempDirectory() : null;
        var path = databasePath ?? owned!.File("relay.db");
        var args = new List<string> { "--urls", "http://127.0.0.1:0", "--DB_PATH", path };
        var app = RelayApp.Build([.. args], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:SignalRelay"] = "Warning",
            });
            builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }
            if (sendBufferBytes is int bytes)
            {
                builder.Services.Configure<SocketTransportOptions>(o => o.CreateBoundListenSocket = endpoint =>
                {
                    var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                    socket.SendBufferSize = bytes;
                    return socket;
                });
            }
            services?.Invoke(builder.Services);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A start that fails (a test of bad settings) leaves no host or folder behind.
            await app.DisposeAsync();
            owned?.Dispose();
            throw;
        }
        return new TestRelay(app, path, owned);
    }

    /// <summary>A connected .NET client, disposed with the relay.</summary>
    public async Task<RelayClient> ConnectAsync(string agentId, Func<Task<string?>>? token = null, long? resumeFrom = null)
    {
        var client = CreateClient(agentId, token, resumeFrom);
        await client.ConnectAsync();
        return client;
    }

    public RelayClient CreateClient(string agentId, Func<Task<string?>>? token = null, long? resumeFrom = null)
    {
        var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = BaseUri,
            AgentId = agentId,
            AccessTokenProvider = token,
            ResumeFromSeq = resumeFrom,
            ReconnectDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)],
        });
        _clients.Add(client);
        return client;
    }

    /// <summary>A separate SQLite connection to the relay's database, for checking what was committed.</summary>
    public SqliteConnection OpenDatabase() => StoreFile.Open(DatabasePath, SqliteOpenMode.ReadOnly);

    /// <summary>The one number <paramref name="sql"/> selects from the relay's database.</summary>
    public long QueryNumber(string sql)
    {
        using var db = OpenDatabase();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
        await App.StopAsync();
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _ownedDirectory?.Dispose();
    }
}
