using System.Threading.Channels;

namespace SignalRelay.Tests.Auth;

/// <summary>A hub token checked again when the session begins, not only at the upgrade.</summary>
public sealed class HubExpiryOrderTests
{
    [Test]
    public async Task A_hub_connection_whose_token_lapsed_before_its_session_began_does_not_replace_the_agents_live_session()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        // The relay's clock runs two hours ahead: a one-hour token passes the upgrade's check (on the wall clock) and has
        // lapsed by the relay's reckoning when the session begins, as a token that expires during the handshake has.
        var clock = new SettableClock(DateTimeOffset.UtcNow.AddHours(2));
        await using var relay = await TestRelay.StartAsync(issuer.RelaySettings(), clock: clock);
        var alice = await relay.ConnectAsync("alice", () => Task.FromResult<string?>(issuer.Token("alice", new TokenSpec { Lifetime = TimeSpan.FromDays(1) })));
        var aliceErrors = Channel.CreateUnbounded<RelayError>();
        alice.ErrorReceived += e => aliceErrors.Writer.TryWrite(e);

        await using var lapsed = new SignalRelay.Client.RelayClient(new SignalRelay.Client.RelayClientOptions
        {
            ServerUrl = relay.BaseUri,
            AgentId = "alice",
            AccessTokenProvider = () => Task.FromResult<string?>(issuer.Token("alice")),
            ReconnectDelays = [],
        });
        var ended = Wait.ForEventAsync<Exception?>(h => lapsed.Closed += h, _ => true, "the lapsed connection's end");
        Assert.That(async () => await lapsed.ConnectAsync(), Throws.Exception.With.Message.Contains(ErrorCodes.TokenExpired));
        await ended;

        var bob = await relay.ConnectAsync("bob", () => Task.FromResult<string?>(issuer.Token("bob", new TokenSpec { Lifetime = TimeSpan.FromDays(1) })));
        await bob.DirectAsync("alice", Json.Of("still there?"), "ping");
        var delivered = await Wait.NextAsync(alice.Messages, what: "bob's direct");

        var codes = new List<string>();
        while (aliceErrors.Reader.TryRead(out var error))
        {
            codes.Add(error.Code);
        }
        Assert.That(codes, Does.Not.Contain(ErrorCodes.SessionReplaced), "the lapsed connection replaced alice's live session");
        Assert.That(delivered.Id, Is.EqualTo("ping"));
    }

    [Test]
    public async Task A_hub_client_whose_first_token_lapsed_on_the_way_connects_with_the_next_and_its_connect_returns_signed_in()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        var clock = new SettableClock(DateTimeOffset.UtcNow.AddHours(2));
        await using var relay = await TestRelay.StartAsync(issuer.RelaySettings(), clock: clock);
        var tokens = 0;
        await using var alice = new SignalRelay.Client.RelayClient(new SignalRelay.Client.RelayClientOptions
        {
            ServerUrl = relay.BaseUri,
            AgentId = "alice",
            // The first token lapses by the relay's clock between the upgrade and the session; the next one lasts a day.
            AccessTokenProvider = () => Task.FromResult<string?>(Interlocked.Increment(ref tokens) == 1
                ? issuer.Token("alice")
                : issuer.Token("alice", new TokenSpec { Lifetime = TimeSpan.FromDays(1) })),
            ReconnectDelays = [TimeSpan.FromMilliseconds(50)],
        });

        await alice.ConnectAsync().WaitAsync(Wait.Default);

        Assert.That(tokens, Is.GreaterThan(1));
        Assert.That(relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>().IsOnline("alice"), Is.True);
    }
}
