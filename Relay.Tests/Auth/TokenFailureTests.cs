using System.Net;
using Microsoft.AspNetCore.SignalR;

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
            Assert.That(api.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer"), $"{kind}: the challenge names the scheme");
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
                Assert.That(refused?.Message, Does.Contain($"HubException: {BadTokens.CodeFor(kind)}: "), kind.ToString());
            }
        });
        Assert.That((await alice.BroadcastAsync(Json.Of("the old token still holds"))).Seq, Is.GreaterThan(0));
    }

    [TestCase("azp")]
    [TestCase("client_id")]
    [TestCase("appid")]
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
}
