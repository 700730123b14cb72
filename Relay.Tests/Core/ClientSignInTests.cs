using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using SignalRelay.Client;
using SignalRelay.Server.Core;

namespace SignalRelay.Tests.Core;

/// <summary>
/// The .NET client's connect and reconnect end once the relay has signed the agent in, not when SignalR's handshake is
/// answered, which comes first: a client started afterwards for the same agent must replace it, never be replaced by it.
/// </summary>
public sealed class ClientSignInTests
{
    private static readonly TimeSpan HeldSignIn = TimeSpan.FromSeconds(1);

    [Test]
    public async Task Connect_returns_once_the_relay_holds_the_agent_online()
    {
        var slow = new TroubledSignIns { Delay = HeldSignIn };
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(slow));

        await relay.CreateClient("alice").ConnectAsync();

        Assert.That(relay.Services.GetRequiredService<SessionRegistry>().IsOnline("alice"), Is.True);
    }

    [Test]
    public async Task A_client_started_after_another_reconnected_replaces_it_rather_than_being_replaced()
    {
        var slow = new TroubledSignIns();
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(slow));
        await using var proxy = new CuttableProxy(relay.BaseUri);
        await using var first = proxy.CreateClient("alice", TimeSpan.FromMilliseconds(50));
        await first.ConnectAsync();
        var reconnected = Wait.ForEventAsync<bool>(h => first.Reconnected += () => h(true), _ => true, "the first client reconnects");

        slow.Delay = HeldSignIn;
        proxy.CutClients();
        await reconnected;
        slow.Delay = TimeSpan.Zero;
        var firstReplaced = Wait.ForEventAsync<RelayError>(h => first.ErrorReceived += h,
            e => e.Code == ErrorCodes.SessionReplaced, "the first client to be replaced");
        var second = relay.CreateClient("alice");
        await second.ConnectAsync();

        await firstReplaced;
        await second.HeartbeatAsync();
        Assert.That(second.State, Is.EqualTo(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected));
    }

    [Test]
    public async Task Connect_waits_through_sign_ins_the_relay_refuses_and_closes_until_one_is_taken()
    {
        var troubled = new TroubledSignIns { RefusalsLeft = 2 };
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(troubled));

        await relay.CreateClient("alice").ConnectAsync();

        Assert.That(troubled.RefusalsLeft, Is.Zero);
        Assert.That(relay.Services.GetRequiredService<SessionRegistry>().IsOnline("alice"), Is.True);
    }

    [Test]
    public async Task Connect_throws_a_refused_announcement_at_once_and_the_connection_lives_on()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = relay.BaseUri,
            AgentId = "alice",
            Metadata = JsonSerializer.SerializeToElement(new { about = new string('m', 9000) }),
        });

        var refusal = Assert.ThrowsAsync<HubException>(() => client.ConnectAsync());

        Assert.That(refusal!.Message, Does.StartWith($"{ErrorCodes.InvalidMessage}:"));
        await client.HeartbeatAsync();
    }

    [Test]
    public async Task A_reconnect_is_reported_once_the_relay_has_signed_the_agent_in_not_after_a_refused_sign_in()
    {
        var troubled = new TroubledSignIns();
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(troubled));
        await using var proxy = new CuttableProxy(relay.BaseUri);
        await using var client = proxy.CreateClient("alice", TimeSpan.FromMilliseconds(50));
        await client.ConnectAsync();
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        var reconnected = Wait.ForEventAsync<(int RefusalsLeft, bool Online)>(
            h => client.Reconnected += () => h((troubled.RefusalsLeft, registry.IsOnline("alice"))), _ => true, "the client reconnects");

        troubled.RefusalsLeft = 2;
        proxy.CutClients();

        Assert.That(await reconnected, Is.EqualTo((0, true)));
        await client.HeartbeatAsync();
    }
}
