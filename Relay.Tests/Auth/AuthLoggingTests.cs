using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace SignalRelay.Tests.Auth;

public sealed class AuthLoggingTests
{
    [Test]
    public async Task A_refused_token_is_logged_at_debug_with_its_reason_and_without_the_token()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        var environment = issuer.RelaySettings().ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value);
        environment["Logging__LogLevel__SignalRelay.Server.Auth"] = "Debug";
        using var data = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"), environment);
        var token = BadTokens.For(issuer, BadToken.WrongAudience);

        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/agents");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        await Wait.UntilAsync(() => relay.Output.Contains("Token refused"), "the refusal is logged");

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(relay.Output, Does.Contain("dbug: SignalRelay.Server.Auth.RelayTokenValidator"));
            Assert.That(relay.Output, Does.Contain("Token refused: The token is meant for another audience."));
            foreach (var part in token.Split('.'))
            {
                Assert.That(relay.Output, Does.Not.Contain(part), "no part of the token is printed");
            }
        });
    }

    [Test]
    public async Task An_unreachable_identity_provider_is_warned_of_once_an_interval_not_once_a_request()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        var environment = issuer.RelaySettings().ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value);
        var token = issuer.Token("alice");
        await issuer.StopAsync();
        using var data = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"), environment);
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        const int Requests = 20;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < Requests; i++)
        {
            // A token the provider would have to be asked about, and one that is no JWT at all, which must not be.
            statuses.Add(await StatusWithTokenAsync(http, token));
            statuses.Add(await StatusWithTokenAsync(http, "not-a-jwt"));
        }
        await Wait.UntilAsync(() => ReportedOutages(relay.Output).Sum() >= Requests, "the outage is warned of", TimeSpan.FromSeconds(30));

        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(ReportedOutages(relay.Output), Has.Count.LessThanOrEqualTo(2), relay.Output);
        Assert.That(ReportedOutages(relay.Output).Sum(), Is.EqualTo(Requests), "only the well-formed tokens waited on the provider");
    }

    [Test]
    public async Task Hub_handshakes_that_come_after_their_token_lapsed_are_refused_with_no_error_in_the_log()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        var environment = issuer.RelaySettings().ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value);
        using var data = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"), environment);
        var lapses = DateTime.UtcNow.AddSeconds(3);
        var token = issuer.Token("alice", new TokenSpec { Expires = lapses });

        // The upgrade's check passes; each client is slow to send its handshake, which comes once the token has lapsed.
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 3; i++)
        {
            var socket = new ClientWebSocket();
            sockets.Add(socket);
            await socket.ConnectAsync(new Uri($"ws://{relay.BaseUri.Authority}{HubProtocol.Path}?access_token={token}"), CancellationToken.None);
        }
        await Wait.UntilAsync(() => DateTime.UtcNow > lapses.AddSeconds(1), "the token lapses");
        foreach (var socket in sockets)
        {
            using (socket)
            {
                Assert.That(await ReceivedUntilClosedAsync(socket, SecuredRelay.HubHandshake), Does.Contain(ErrorCodes.TokenExpired));
            }
        }

        Assert.That(ConsoleLog.WarningsAndErrors(relay.Output), Is.Empty, relay.Output);
    }

    private static async Task<string> ReceivedUntilClosedAsync(ClientWebSocket socket, string text)
    {
        using var timeout = new CancellationTokenSource(Wait.Default);
        await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
        var received = new System.Text.StringBuilder();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return received.ToString();
            }
            received.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }

    private static async Task<HttpStatusCode> StatusWithTokenAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/history?limit=1");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static List<int> ReportedOutages(string log) =>
        [.. Regex.Matches(log, @"(\d+) token check\(s\) in the last").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
}
