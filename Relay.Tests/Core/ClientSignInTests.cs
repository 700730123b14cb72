using SignalRelay.Client;
using SignalRelay.Contracts;
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
        var slow = new SlowSignIns { Delay = HeldSignIn };
        await using var relay = await TestRelay.StartAsync(services: SlowSignIns.AddTo(slow));

        await relay.CreateClient("alice").ConnectAsync();

        Assert.That(relay.Services.GetRequiredService<SessionRegistry>().IsOnline("alice"), Is.True);
    }

    [Test]
    public async Task A_client_started_after_another_reconnected_replaces_it_rather_than_being_replaced()
    {
        var slow = new SlowSignIns();
        await using var relay = await TestRelay.StartAsync(services: SlowSignIns.AddTo(slow));
        await using var proxy = new CuttableProxy(relay.BaseUri);
        await using var first = new RelayClient(new RelayClientOptions
        {
            ServerUrl = proxy.BaseUri,
            AgentId = "alice",
            ReconnectDelays = [TimeSpan.FromMilliseconds(50)],
        });
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
}
