using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.SignalR.Client;
using SignalRelay.Client;
using SignalRelay.Tests.Deploy;

namespace SignalRelay.Tests.Core;

/// <summary>The .NET client when the relay goes away: it gives up on a server or token provider that never answers, comes back with its metadata, and ends cleanly.</summary>
public sealed class ClientReconnectTests
{
    [Test]
    public async Task A_connect_to_a_server_that_accepts_and_never_answers_times_out()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = new Uri($"http://127.0.0.1:{port}"),
            AgentId = "patient",
            ConnectTimeout = TimeSpan.FromSeconds(1),
        });

        var connecting = client.ConnectAsync();
        using var held = await silent.AcceptTcpClientAsync();

        Assert.ThrowsAsync<TimeoutException>(() => connecting.WaitAsync(Wait.Default));
    }

    [Test]
    public async Task A_connect_whose_token_provider_never_answers_times_out_and_the_client_can_be_disposed()
    {
        await using var relay = await TestRelay.StartAsync();
        var never = new TaskCompletionSource<string?>();
        var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = relay.BaseUri,
            AgentId = "patient",
            AccessTokenProvider = () => never.Task,
            ConnectTimeout = TimeSpan.FromSeconds(1),
        });

        var timedOut = Assert.ThrowsAsync<TimeoutException>(() => client.ConnectAsync().WaitAsync(Wait.Default));
        Assert.That(timedOut?.Message, Does.Contain("token provider"), "the connect's own timeout, naming what it waited for");
        Assert.That(async () => await client.DisposeAsync().AsTask().WaitAsync(Wait.Default), Throws.Nothing);
    }

    [Test]
    public async Task Disposing_a_client_whose_reconnect_waits_on_its_token_provider_ends_at_once()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var proxy = new CuttableProxy(relay.BaseUri);
        var identityProviderDown = false;
        // Asynchronously: the test must not go on inside the provider's call, before it has returned.
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = proxy.BaseUri,
            AgentId = "leaver",
            AccessTokenProvider = () =>
            {
                if (!identityProviderDown)
                {
                    return Task.FromResult<string?>(null);
                }
                asked.TrySetResult();
                return new TaskCompletionSource<string?>().Task;
            },
            ReconnectDelays = [TimeSpan.Zero],
        });
        await client.ConnectAsync();
        var closed = Wait.ForEventAsync<Exception?>(h => client.Closed += h, _ => true, "the client to close");

        identityProviderDown = true;
        proxy.CutClients();
        await asked.Task.WaitAsync(Wait.Default);

        Assert.That(async () => await client.DisposeAsync().AsTask().WaitAsync(Wait.Default), Throws.Nothing);
        Assert.That(await closed, Is.Null, "closed on purpose");
    }

    [Test]
    public async Task Disposing_a_client_whose_sends_wait_on_a_network_gone_silent_ends_within_its_close_timeout()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var proxy = new CuttableProxy(relay.BaseUri);
        var alice = new RelayClient(new RelayClientOptions { ServerUrl = proxy.BaseUri, AgentId = "alice" });
        await alice.ConnectAsync();

        // Far more than the socket buffers hold: the client's writes stall with nothing to tell it the network is gone.
        proxy.Freeze();
        var large = Json.Of(new string('x', 60_000));
        var sends = Enumerable.Range(0, 400).Select(i => alice.BroadcastAsync(large, $"m{i}")).ToArray();

        Assert.That(async () => await alice.DisposeAsync().AsTask().WaitAsync(Wait.Default), Throws.Nothing);
        Assert.That(async () => await Task.WhenAll(sends).WaitAsync(Wait.Default), Throws.Exception.Not.TypeOf<TimeoutException>(),
            "every send that was waiting has failed");
    }

    [Test]
    public async Task Disposing_a_client_while_it_reconnects_ends_its_messages_cleanly()
    {
        using var data = new TempDirectory();
        var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"));
        var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = relay.BaseUri,
            AgentId = "leaver",
            ReconnectDelays = [TimeSpan.FromMilliseconds(100)],
        });
        await client.ConnectAsync();
        var closed = Wait.ForEventAsync<Exception?>(h => client.Closed += h, _ => true, "the client to close");

        relay.Kill();
        await relay.WaitForExitAsync(Wait.Default);
        await relay.DisposeAsync();
        await Wait.UntilAsync(() => client.State == HubConnectionState.Disconnected, "the client is reconnecting");
        await client.DisposeAsync();

        Assert.That(await closed, Is.Null, "closed on purpose, not by the lost connection");
        Assert.That(async () => await client.Messages.Completion.WaitAsync(Wait.Default), Throws.Nothing);
    }

    [Test]
    public async Task A_client_whose_metadata_the_relay_refuses_still_comes_back_after_a_restart()
    {
        using var data = new TempDirectory();
        var environment = new Dictionary<string, string?> { ["DB_PATH"] = data.File("relay.db") };
        string[] address = ["--urls", $"http://127.0.0.1:{EnvironmentTests.FreePort()}"];
        var relay = await RelayProcess.StartAsync(environment, address);
        await using var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = relay.BaseUri,
            AgentId = "verbose",
            Metadata = Json.Of(new string('x', 9000)),
            ReconnectDelays = [TimeSpan.FromMilliseconds(200)],
        });
        Assert.CatchAsync(() => client.ConnectAsync(), "metadata over MaxMetadataBytes is refused");
        var reconnected = Wait.ForEventAsync<bool>(h => client.Reconnected += () => h(true), _ => true, "the reconnect");

        relay.Kill();
        await relay.WaitForExitAsync(Wait.Default);
        await relay.DisposeAsync();
        await using var again = await RelayProcess.StartAsync(environment, address);

        await reconnected;
        Assert.That(client.State, Is.EqualTo(HubConnectionState.Connected));
    }

    [Test]
    public async Task A_client_that_spent_its_send_budget_announces_its_metadata_again_once_the_budget_refills_after_a_reconnect()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MessagesPerSecond"] = "1",
            ["Relay:Limits:Burst"] = "3",
        });
        await using var proxy = new CuttableProxy(relay.BaseUri);
        var bob = await relay.ConnectAsync("bob");
        await using var alice = new RelayClient(new RelayClientOptions
        {
            ServerUrl = proxy.BaseUri,
            AgentId = "alice",
            Metadata = Json.Parse("""{"role":"planner"}"""),
            ReconnectDelays = [TimeSpan.FromMilliseconds(50)],
        });
        await alice.ConnectAsync();
        await alice.BroadcastAsync(Json.Of("one"));
        await alice.BroadcastAsync(Json.Of("two"));
        var reconnected = Wait.ForEventAsync<bool>(h => alice.Reconnected += () => h(true), _ => true, "alice reconnects");

        // The network fails right after a burst: alice comes back with her send budget spent.
        proxy.CutClients();
        await reconnected;

        await Wait.UntilAsync(async () => (await bob.AgentsAsync()).Single(a => a.Id == "alice").Metadata?.GetRawText() == """{"role":"planner"}""",
            "alice's metadata announced again once her budget refilled");
    }

    [Test]
    public async Task A_client_that_has_received_nothing_yet_gets_what_was_written_into_its_connection_as_it_died()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var proxy = new CuttableProxy(relay.BaseUri);
        var bob = await relay.ConnectAsync("bob");
        await using var alice = proxy.CreateClient("alice", TimeSpan.FromMilliseconds(500));
        await alice.ConnectAsync();
        var reconnected = Wait.ForEventAsync<bool>(h => alice.Reconnected += () => h(true), _ => true, "alice reconnects");

        // The relay's side stays open: it writes these into a connection nobody reads any more.
        proxy.CutClients();
        for (var i = 0; i < 5; i++)
        {
            await bob.DirectAsync("alice", Json.Of($"m{i}"), id: $"m{i}");
        }
        await reconnected;

        var received = await Wait.NextAsync(alice.Messages, 5);
        Assert.Multiple(async () =>
        {
            Assert.That(received.Select(e => e.Id), Is.EqualTo(new[] { "m0", "m1", "m2", "m3", "m4" }));
            Assert.That(await Wait.NothingWithinAsync(alice.Messages, TimeSpan.FromMilliseconds(300)), Is.True, "nothing twice");
        });
    }
}
