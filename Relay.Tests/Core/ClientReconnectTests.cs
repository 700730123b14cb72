using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.SignalR.Client;
using SignalRelay.Client;
using SignalRelay.Tests.Deploy;

namespace SignalRelay.Tests.Core;

/// <summary>The .NET client when the relay goes away: it gives up on a server that never answers, comes back, and ends cleanly.</summary>
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
}
