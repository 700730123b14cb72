using SignalRelay.Issuer;

namespace SignalRelay.Bench.Targets;

/// <summary>
/// The OIDC issuer the relay trusts in auth runs (tools/Relay.Issuer), in a child process of its own: this bench
/// in <c>--serve-issuer</c> mode. A server inside the generator's process slowed the generator by about 12 % for
/// as long as it ran (docs/performance.md, fifteenth round), so the generator only asks it for tokens.
/// </summary>
public sealed class IssuerProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new();
    private readonly ServerProcess _server;

    private IssuerProcess(ServerProcess server) => _server = server;

    public static async Task<IssuerProcess> StartAsync() => new(await ServerProcess.StartSelfAsync(BenchCommand.ServeIssuer));

    /// <summary>The issuer (<c>iss</c>) as it names itself.</summary>
    public string Authority => _server.BaseUri.GetLeftPart(UriPartial.Authority);

    /// <summary>The relay settings that trust this issuer.</summary>
    public Dictionary<string, string?> RelaySettings() => LocalIssuer.RelaySettingsFor(Authority);

    /// <summary>A good token for <paramref name="agent"/>.</summary>
    public Task<string> TokenAsync(string agent) => Http.GetStringAsync($"{Authority}/token?sub={Uri.EscapeDataString(agent)}");

    /// <summary>Serves the issuer until the process is killed (the child's side).</summary>
    public static async Task ServeAsync()
    {
        await using var issuer = await LocalIssuer.StartAsync(mintOverHttp: true);
        Console.WriteLine($"Now listening on: {issuer.Authority}");
        await Task.Delay(Timeout.Infinite);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
