using System.Net;
using Microsoft.AspNetCore.SignalR;
using SignalRelay.Tests.Raw;

namespace SignalRelay.Tests.Auth;

public sealed class TokenFailureTests
{
    // One relay for all the kinds of bad token: starting a relay per kind would cost more than the checks.
    [Test]
    public async Task Every_kind_of_bad_token_gets_401_on_every_http_door_and_source()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var answers = new List<(string Where, HttpStatusCode Status)>();
        foreach (var kind in Enum.GetValues<BadToken>())
        {
            var token = BadTokens.For(secured.Issuer, kind);
            answers.Add(($"{kind}, hub header", (await secured.UpgradeAsync(HubProtocol.Path, headerToken: token)).Status));
            answers.Add(($"{kind}, hub query", (await secured.UpgradeAsync(HubProtocol.Path, queryToken: token)).Status));
            answers.Add(($"{kind}, raw header", (await secured.UpgradeAsync("/ws", headerToken: token)).Status));
            answers.Add(($"{kind}, raw query", (await secured.UpgradeAsync("/?agent=alice", queryToken: token)).Status));
            using var api = await secured.GetAsync("/api/agents", headerToken: token);
            answers.Add(($"{kind}, api header", api.StatusCode));
            using var apiQuery = await secured.GetAsync($"/api/agents?access_token={Uri.EscapeDataString(token)}");
            answers.Add(($"{kind}, api query", apiQuery.StatusCode));
            Assert.That(api.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer").And.Contain("invalid_token"), $"{kind}: the challenge names the scheme and the error");
        }

        Assert.That(answers.Where(a => a.Status != HttpStatusCode.Unauthorized), Is.Empty);
    }

    [Test]
    public async Task Every_kind_of_bad_token_presented_on_a_live_session_is_refused_with_its_reason()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var alice = await secured.ConnectAsync("alice");

        Assert.Multiple(() =>
        {
            foreach (var kind in Enum.GetValues<BadToken>())
            {
                var refused = Assert.ThrowsAsync<HubException>(() => alice.RefreshTokenAsync(BadTokens.For(secured.Issuer, kind)), kind.ToString());
                Assert.That(refused?.Message, Does.StartWith($"{BadTokens.CodeFor(kind)}: "), kind.ToString());
            }
        });
        Assert.That((await alice.BroadcastAsync(Json.Of("the old token still holds"))).Seq, Is.GreaterThan(0));
    }

    [TestCase("azp")]
    [TestCase("client_id")]
    [TestCase("appid")]
    [TestCase("cid")]
    public async Task The_allowed_client_is_read_from_any_of_the_client_claims(string claim)
    {
        await using var secured = await SecuredRelay.StartAsync();

        var (status, socket) = await secured.UpgradeAsync(HubProtocol.Path,
            headerToken: secured.Issuer.Token("alice", new TokenSpec { ClientClaim = claim }));
        socket?.Dispose();

        Assert.That(status, Is.EqualTo(HttpStatusCode.SwitchingProtocols));
    }

    [Test]
    public async Task A_token_without_any_client_claim_is_refused_when_clients_are_restricted()
    {
        await using var secured = await SecuredRelay.StartAsync();

        var (status, _) = await secured.UpgradeAsync(HubProtocol.Path, headerToken: secured.Issuer.Token("alice", new TokenSpec { Client = null }));

        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task An_unreachable_identity_provider_refuses_tokens_without_a_500()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var token = secured.Issuer.Token("alice");
        await secured.Issuer.StopAsync();

        var (hubStatus, _) = await secured.UpgradeAsync(HubProtocol.Path, headerToken: token);
        await using var raw = await RawSocketClient.ConnectAsync(secured.Relay);
        await raw.SendAsync(RawAgents.Hello("alice", $$""","token":"{{token}}" """));

        Assert.That(hubStatus, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await raw.NextAsync("the refusal")).ErrorCode(), Is.EqualTo(ErrorCodes.AuthUnavailable));
    }

    [Test]
    public async Task An_identity_provider_that_takes_connections_and_never_answers_gets_tokens_refused_within_its_timeout()
    {
        using var provider = new SilentServer();
        await using var issuer = await LocalIssuer.StartAsync();
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>(LocalIssuer.RelaySettingsFor(provider.Authority))
        {
            ["Auth:ProviderTimeoutSeconds"] = "2",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        var waited = System.Diagnostics.Stopwatch.StartNew();

        // Two at once: the library fetches for one caller at a time, and the second must not wait behind the first.
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/history");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", issuer.Token("alice"));
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }));

        Assert.Multiple(() =>
        {
            Assert.That(answers, Is.All.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "both refused after the 2 s provider timeout, not the library's 60 s each");
        });
    }

    [Test]
    public async Task A_raw_handshake_whose_token_check_cannot_finish_ends_with_HANDSHAKE_TIMEOUT()
    {
        using var provider = new SilentServer();
        await using var issuer = await LocalIssuer.StartAsync();
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>(LocalIssuer.RelaySettingsFor(provider.Authority))
        {
            ["Relay:Sessions:HandshakeTimeoutSeconds"] = "2",
            ["Auth:ProviderTimeoutSeconds"] = "60",
        });
        await using var raw = await RawSocketClient.ConnectAsync(relay);

        await raw.SendAsync(RawAgents.Hello("alice", $$""","token":"{{issuer.Token("alice")}}" """));

        Assert.That((await raw.NextAsync("the refusal")).ErrorCode(), Is.EqualTo(ErrorCodes.HandshakeTimeout));
    }

    [Test]
    public async Task A_token_that_expires_at_the_end_of_time_is_accepted_on_every_door()
    {
        // The relay's own default skew: the tests' relays tolerate none.
        await using var secured = await SecuredRelay.StartAsync(new Dictionary<string, string?> { ["Auth:ClockSkewSeconds"] = "60" });
        var token = secured.Issuer.Token("alice", new TokenSpec { Expires = new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc) });

        using var history = await secured.GetAsync("/api/history", headerToken: token);
        await using var raw = await RawSocketClient.ConnectAsync(secured.Relay);
        await raw.SendAsync(RawAgents.Hello("alice", $$""","token":"{{token}}" """));

        Assert.Multiple(async () =>
        {
            Assert.That(history.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await raw.NextAsync("the answer to HELLO")).Str("message_type"), Is.EqualTo("WELCOME"));
        });
    }

    /// <summary>An identity provider that is down the way a dropped route leaves it: connections are taken, nothing is ever answered.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<System.Net.Sockets.TcpClient> _held = [];

        public SilentServer()
        {
            _listener.Start();
            _ = HoldAsync();
        }

        public string Authority => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        private async Task HoldAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync();
                    lock (_held)
                    {
                        _held.Add(client);
                    }
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(c => c.Dispose());
            }
        }
    }
}
