using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SignalRelay.Client;

namespace SignalRelay.Tests.Core;

/// <summary>
/// How the .NET client ends for good: <see cref="RelayClient.Closed"/> is raised once, and <see cref="RelayClient.Messages"/>
/// completes cleanly only when the client was disposed; ended by the relay, both carry the relay's reason.
/// </summary>
public sealed class ClientEndTests
{
    [Test]
    public async Task Disposing_a_client_while_a_reconnect_waits_for_its_sign_in_raises_Closed_once()
    {
        var troubled = new TroubledSignIns();
        await using var relay = await TestRelay.StartAsync(services: TroubledSignIns.AddTo(troubled));
        await using var proxy = new CuttableProxy(relay.BaseUri);
        var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = proxy.BaseUri,
            AgentId = "leaver",
            ReconnectDelays = [TimeSpan.Zero],
        });
        var closes = Channel.CreateUnbounded<Exception?>();
        client.Closed += e => closes.Writer.TryWrite(e);
        await client.ConnectAsync();

        troubled.Delay = TimeSpan.FromSeconds(5);
        proxy.CutClients();
        await Wait.UntilAsync(() => troubled.Begun == 2 && client.State == HubConnectionState.Connected, "the reconnect waits for its sign-in");
        await client.DisposeAsync();

        Assert.That(await Wait.NextAsync(closes.Reader, what: "Closed"), Is.Null, "closed on purpose");
        Assert.That(await Wait.NothingWithinAsync(closes.Reader, TimeSpan.FromMilliseconds(500)), Is.True, "Closed raised once");
    }

    [Test]
    public async Task A_replaced_client_ends_its_messages_and_Closed_with_SESSION_REPLACED()
    {
        await using var relay = await TestRelay.StartAsync();
        var first = relay.CreateClient("worker");
        var closed = Wait.ForEventAsync<Exception?>(h => first.Closed += h, _ => true, "the replaced client to close");
        await first.ConnectAsync();

        await relay.ConnectAsync("worker");

        Assert.That((await closed)?.Message, Does.StartWith($"{ErrorCodes.SessionReplaced}:"));
        var ended = Assert.CatchAsync(() => first.Messages.Completion.WaitAsync(Wait.Default));
        Assert.That(ended, Is.TypeOf<HubException>().With.Message.StartsWith($"{ErrorCodes.SessionReplaced}:"));
    }

    [Test]
    public async Task A_client_that_may_not_reconnect_ends_its_messages_with_the_relays_reason_when_the_relay_stops()
    {
        var relay = await TestRelay.StartAsync();
        await using var client = new RelayClient(new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = "one-shot", ReconnectDelays = [] });
        var closed = Wait.ForEventAsync<Exception?>(h => client.Closed += h, _ => true, "the client to close");
        await client.ConnectAsync();

        await relay.DisposeAsync();

        Assert.That((await closed)?.Message, Does.Contain(ErrorCodes.ServerShutdown));
        Assert.That(() => client.Messages.Completion.WaitAsync(Wait.Default), Throws.Exception.With.Message.Contains(ErrorCodes.ServerShutdown));
    }
}
