using SignalRelay.Client;

namespace SignalRelay.Tests.Core;

/// <summary>The .NET client when the relay stops under it with thousands of sends on their way.</summary>
public sealed class ClientShutdownTests
{
    [Test]
    public async Task Every_send_in_flight_ends_and_the_client_closes_when_the_relay_stops_under_thousands_of_them()
    {
        var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MessagesPerSecond"] = "100000",
            ["Relay:Limits:Burst"] = "100000",
        });
        var client = new RelayClient(new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = "busy", ReconnectDelays = [] });
        await client.ConnectAsync();
        var closed = Wait.ForEventAsync<Exception?>(h => client.Closed += h, _ => true, "the client to close");

        // The relay refuses what it has not read once it drains, thousands of refusals at once.
        var sends = Enumerable.Range(0, 3000).Select(i => client.BroadcastAsync(Json.Of($"n{i}"), $"m{i}")).ToList();
        await Wait.UntilAsync(() => sends.Count(s => s.IsCompletedSuccessfully) >= 200, "200 sends acknowledged");
        await relay.DisposeAsync();

        await closed;
        await Task.WhenAll(sends.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Wait.Default);
        await client.DisposeAsync().AsTask().WaitAsync(Wait.Default);
    }
}
