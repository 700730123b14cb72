using System.Net;
using System.Net.WebSockets;
using System.Text;
using SignalRelay.Client;

namespace SignalRelay.Tests.Auth;

/// <summary>A test issuer and a relay in <c>Auth:Mode=Jwt</c> that trusts it, started and stopped together.</summary>
public sealed class SecuredRelay : IAsyncDisposable
{
    private SecuredRelay(LocalIssuer issuer, TestRelay relay)
    {
        Issuer = issuer;
        Relay = relay;
    }

    public LocalIssuer Issuer { get; }
    public TestRelay Relay { get; }

    public static async Task<SecuredRelay> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var issuer = await LocalIssuer.StartAsync();
        var settings = issuer.RelaySettings();
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return new SecuredRelay(issuer, await TestRelay.StartAsync(settings));
    }

    /// <summary>A connected .NET client whose token provider issues a fresh token for <paramref name="agent"/> on every (re)connect.</summary>
    public Task<RelayClient> ConnectAsync(string agent) => Relay.ConnectAsync(agent, () => Task.FromResult<string?>(Issuer.Token(agent)));

    /// <summary>A client that gives up instead of reconnecting, so a refusal surfaces as <see cref="RelayClient.Closed"/>.</summary>
    public RelayClient OneShotClient(string agentId, Func<Task<string?>> token) => new(new RelayClientOptions
    {
        ServerUrl = Relay.BaseUri,
        AgentId = agentId,
        AccessTokenProvider = token,
        ReconnectDelays = [],
    });

    /// <summary>
    /// Opens a WebSocket to <paramref name="path"/> with the token in the <c>Authorization</c> header and/or the
    /// <c>access_token</c> query parameter; returns the upgrade's HTTP status and the socket when it was accepted.
    /// </summary>
    public async Task<(HttpStatusCode Status, ClientWebSocket? Socket)> UpgradeAsync(string path, string? headerToken = null, string? queryToken = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (headerToken is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {headerToken}");
        }
        if (queryToken is not null)
        {
            path += (path.Contains('?') ? "&" : "?") + $"access_token={Uri.EscapeDataString(queryToken)}";
        }
        try
        {
            using var timeout = new CancellationTokenSource(Wait.Default);
            await socket.ConnectAsync(Relay.WebSocketUri(path), timeout.Token);
            return (socket.HttpStatusCode, socket);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (status, null);
        }
    }

    /// <summary>Sends one text frame on a socket opened by <see cref="UpgradeAsync"/> and returns the first text the relay sends back.</summary>
    public static async Task<string> SendAndReceiveAsync(ClientWebSocket socket, string text)
    {
        using var timeout = new CancellationTokenSource(Wait.Default);
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[16 * 1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    /// <summary>SignalR's JSON handshake request; the hub answers <c>{}</c> and a record separator.</summary>
    public const string HubHandshake = "{\"protocol\":\"json\",\"version\":1}\u001e";

    /// <summary>An HTTP GET of <paramref name="path"/> with an optional bearer header.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? headerToken = null)
    {
        using var http = new HttpClient { BaseAddress = Relay.BaseUri, Timeout = Wait.Default };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (headerToken is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", headerToken);
        }
        return await http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        await Relay.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}
