using Microsoft.AspNetCore.SignalR.Client;
using SignalRelay.Client;
using SignalRelay.Server.Core;

namespace SignalRelay.Tests.Core;

/// <summary>
/// <see cref="RelayClient.ConnectAsync"/> called as an agent program calls it: again after a cancelled one, twice at once,
/// while the client reconnects, and after the client ended for good.
/// </summary>
public sealed class ClientConnectTests
{
    [Test]
    public async Task Connecting_again_after_a_connect_was_cancelled_during_its_sign_in_returns_once_signed_in()
    {
        var slow = new TroubledSignIns { Delay = TimeSpan.FromSeconds(1) };
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(slow));
        var client = relay.CreateClient("alice");
        using var impatient = new CancellationTokenSource();

        var cancelled = client.ConnectAsync(impatient.Token);
        await Wait.UntilAsync(() => slow.Begun == 1, "the sign-in is held");
        await impatient.CancelAsync();
        Assert.CatchAsync<OperationCanceledException>(() => cancelled.WaitAsync(Wait.Default));

        await client.ConnectAsync().WaitAsync(Wait.Default);
        Assert.That(relay.Services.GetRequiredService<SessionRegistry>().IsOnline("alice"), Is.True);
    }

    [Test]
    public async Task Two_connects_at_once_both_return_once_signed_in()
    {
        var slow = new TroubledSignIns { Delay = TimeSpan.FromMilliseconds(300) };
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(slow));
        var client = relay.CreateClient("alice");

        await Task.WhenAll(client.ConnectAsync(), client.ConnectAsync()).WaitAsync(Wait.Default);

        Assert.That(relay.Services.GetRequiredService<SessionRegistry>().IsOnline("alice"), Is.True);
        Assert.That(slow.Begun, Is.EqualTo(1), "one connection");
    }

    [Test]
    public async Task A_connect_made_while_the_client_reconnects_waits_for_that_reconnect_which_is_reported_once()
    {
        var troubled = new TroubledSignIns();
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(troubled));
        await using var proxy = new CuttableProxy(relay.BaseUri);
        await using var client = proxy.CreateClient("alice", TimeSpan.FromMilliseconds(300));
        var reconnects = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        client.Reconnected += () => reconnects.Writer.TryWrite(true);
        await client.ConnectAsync();

        troubled.RefusalsLeft = 2;
        proxy.CutClients();
        await Wait.UntilAsync(() => client.State == HubConnectionState.Disconnected, "the client waits to reconnect");
        await client.ConnectAsync().WaitAsync(Wait.Default);

        Assert.That(relay.Services.GetRequiredService<SessionRegistry>().IsOnline("alice"), Is.True);
        await Wait.NextAsync(reconnects.Reader, what: "Reconnected");
        Assert.That(await Wait.NothingWithinAsync(reconnects.Reader, TimeSpan.FromSeconds(1)), Is.True, "Reconnected raised once");
        Assert.That(troubled.Begun, Is.EqualTo(4), "one connection per attempt: the first, two refused, the one signed in");
    }

    [Test]
    public async Task Connecting_again_after_the_client_ended_throws_rather_than_connecting_a_client_whose_messages_have_ended()
    {
        var troubled = new TroubledSignIns { RefusalsLeft = 1 };
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(troubled));
        await using var client = new RelayClient(new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = "one-shot", ReconnectDelays = [] });
        Assert.CatchAsync(() => client.ConnectAsync(), "the refused sign-in ends a client that may not reconnect");

        Assert.ThrowsAsync<InvalidOperationException>(() => client.ConnectAsync());
        Assert.That(troubled.Begun, Is.EqualTo(1), "no second connection");
    }
}
