using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using SignalRelay.Server.Core;

namespace SignalRelay.Tests.Auth;

public sealed class HubAuthTests
{
    [Test]
    public async Task Hub_accepts_a_bearer_header_and_stamps_the_agent_from_the_token()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var alice = await secured.ConnectAsync("alice");
        var bob = await secured.ConnectAsync("bob");

        await alice.BroadcastAsync(Json.Of("signed"), "h1");

        var received = await Wait.NextAsync(bob.Messages);
        Assert.That(received.From, Is.EqualTo("alice"));
    }

    [Test]
    public async Task Hub_accepts_an_access_token_query_parameter_and_needs_no_agent_parameter()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var bob = await secured.ConnectAsync("bob");
        var aliceOnline = Wait.ForEventAsync<PresenceEvent>(h => bob.PresenceChanged += h,
            p => p is { Agent: "alice", Status: PresenceStatus.Online }, "alice online");

        var (status, socket) = await secured.UpgradeAsync(HubProtocol.Path, queryToken: secured.Issuer.Token("alice"));
        using var _ = socket;

        Assert.That(status, Is.EqualTo(HttpStatusCode.SwitchingProtocols));
        Assert.That(await SecuredRelay.SendAndReceiveAsync(socket!, SecuredRelay.HubHandshake), Does.StartWith("{}\u001e"), "the handshake succeeds");
        await aliceOnline;
    }

    [Test]
    public async Task Hub_upgrade_and_negotiate_without_a_token_get_401()
    {
        await using var secured = await SecuredRelay.StartAsync();

        var (status, socket) = await secured.UpgradeAsync($"{HubProtocol.Path}?agent=alice");
        using var http = new HttpClient { BaseAddress = secured.Relay.BaseUri };
        using var negotiate = await http.PostAsync($"{HubProtocol.Path}/negotiate?negotiateVersion=1", null);

        Assert.Multiple(() =>
        {
            Assert.That(socket, Is.Null);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(negotiate.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task Hub_refuses_an_agent_parameter_that_differs_from_the_token()
    {
        await using var secured = await SecuredRelay.StartAsync();
        await using var mallory = secured.OneShotClient("bob", () => Task.FromResult<string?>(secured.Issuer.Token("mallory")));

        var refused = Assert.CatchAsync(() => mallory.ConnectAsync());

        Assert.That(refused!.Message, Does.Contain(ErrorCodes.SenderMismatch));
        Assert.That(secured.Relay.Services.GetRequiredService<SessionRegistry>().IsOnline("bob"), Is.False);
    }

    [Test]
    public async Task A_claimed_agent_that_is_no_agent_id_is_refused_as_such_and_not_echoed()
    {
        await using var secured = await SecuredRelay.StartAsync();
        const string forgery = "x\r2026-11-22T23:59:59Z info: Agent root connected\u001b[8m";
        await using var mallory = secured.OneShotClient(forgery, () => Task.FromResult<string?>(secured.Issuer.Token("mallory")));

        var refused = Assert.CatchAsync(() => mallory.ConnectAsync());

        Assert.That(refused!.Message, Does.Contain(ErrorCodes.InvalidAgentId).And.Not.Contain("root connected"));
    }

    [Test]
    public async Task An_expired_token_ends_a_live_hub_session_and_the_provider_is_asked_again_on_reconnect()
    {
        await using var secured = await SecuredRelay.StartAsync();
        await secured.ConnectAsync("bob"); // warm: keys fetched, validation compiled, so the short token is not spent on start-up
        var calls = 0;
        var alice = secured.Relay.CreateClient("alice", () => Task.FromResult<string?>(Interlocked.Increment(ref calls) == 1
            ? secured.Issuer.Token("alice", new TokenSpec { Lifetime = TimeSpan.FromSeconds(3) })
            : secured.Issuer.Token("alice")));
        var expired = Wait.ForEventAsync<RelayError>(h => alice.ErrorReceived += h, e => e.Code == ErrorCodes.TokenExpired, "TOKEN_EXPIRED");
        var reconnected = Wait.ForEventAsync<bool>(h => alice.Reconnected += () => h(true), _ => true, "the reconnect with a fresh token");

        await alice.ConnectAsync();

        Assert.That((await expired).Recoverable, Is.False);
        await reconnected;
        Assert.That(Volatile.Read(ref calls), Is.EqualTo(2));
    }

    [Test]
    public async Task Refreshing_the_token_keeps_a_hub_session_alive_past_the_first_tokens_expiry()
    {
        await using var secured = await SecuredRelay.StartAsync();
        await secured.ConnectAsync("bob"); // warm, as above
        var errors = Channel.CreateUnbounded<RelayError>();
        var alice = secured.Relay.CreateClient("alice", () => Task.FromResult<string?>(
            secured.Issuer.Token("alice", new TokenSpec { Lifetime = TimeSpan.FromSeconds(3) })));
        alice.ErrorReceived += e => errors.Writer.TryWrite(e);
        await alice.ConnectAsync();

        var expiresAt = await alice.RefreshTokenAsync(secured.Issuer.Token("alice"));

        Assert.That(expiresAt, Is.GreaterThan(DateTimeOffset.UtcNow.AddMinutes(30)));
        Assert.That(await Wait.NothingWithinAsync(errors.Reader, TimeSpan.FromSeconds(4)), Is.True, "no TOKEN_EXPIRED after the first token lapsed");
        Assert.That((await alice.BroadcastAsync(Json.Of("still here"))).Seq, Is.GreaterThan(0));
    }

    [Test]
    public async Task Refreshing_with_another_agents_token_is_refused()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var alice = await secured.ConnectAsync("alice");

        var refused = Assert.ThrowsAsync<HubException>(() => alice.RefreshTokenAsync(secured.Issuer.Token("mallory")));

        Assert.That(refused!.Message, Does.Contain(ErrorCodes.SenderMismatch));
    }
}
