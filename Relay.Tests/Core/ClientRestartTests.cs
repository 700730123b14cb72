using System.Collections.Concurrent;
using SignalRelay.Client;

namespace SignalRelay.Tests.Core;

/// <summary>The .NET client's sends while the relay restarts under them: each ends, and what was acknowledged arrives once.</summary>
public sealed class ClientRestartTests
{
    [Test]
    public async Task Sends_in_flight_while_the_relay_restarts_each_end_acknowledged_or_failed_and_nothing_arrives_twice()
    {
        using var data = new TempDirectory();
        var path = data.File("relay.db");
        var settings = new Dictionary<string, string?> { ["Relay:Limits:MessagesPerSecond"] = "100000", ["Relay:Limits:Burst"] = "100000" };
        var before = await TestRelay.StartAsync(settings, databasePath: path);
        await using var proxy = new CuttableProxy(before.BaseUri);
        await using var alice = Client(proxy, "alice");
        await using var bob = Client(proxy, "bob");
        await alice.ConnectAsync();
        await bob.ConnectAsync();
        var acked = new ConcurrentBag<string>();
        using var restarted = new CancellationTokenSource();

        async Task SendUntilRestartedAsync(int sender)
        {
            for (var i = 0; !restarted.IsCancellationRequested; i++)
            {
                var id = $"s{sender}-{i}";
                try
                {
                    await alice.DirectAsync("bob", Json.Of(id), id).WaitAsync(Wait.Default);
                    acked.Add(id);
                }
                catch (Exception ex) when (ex is not TimeoutException)
                {
                    // Failed with the connection: the relay may or may not have it, and says which on a resend.
                }
            }
        }
        var senders = Enumerable.Range(0, 4).Select(SendUntilRestartedAsync).ToList();
        await Wait.UntilAsync(() => acked.Count >= 200, "sends acknowledged before the restart");
        await before.DisposeAsync();
        await using var after = await TestRelay.StartAsync(settings, databasePath: path);
        proxy.RetargetTo(after.BaseUri);
        var countAtRestart = acked.Count;
        await Wait.UntilAsync(() => acked.Count >= countAtRestart + 200, "sends acknowledged after the restart");
        await restarted.CancelAsync();
        await Task.WhenAll(senders);

        var seen = new HashSet<string>();
        while (!seen.IsSupersetOf(acked))
        {
            Received(seen, await Wait.NextAsync(bob.Messages, what: "every acknowledged send at bob"));
        }
        // A send that failed with its connection may have been committed all the same, and arrive after the last acknowledged.
        while (!await Wait.NothingWithinAsync(bob.Messages, TimeSpan.FromMilliseconds(300)))
        {
            Received(seen, await bob.Messages.ReadAsync());
        }
    }

    private static void Received(HashSet<string> seen, Envelope envelope) =>
        Assert.That(seen.Add(envelope.Id!), Is.True, $"{envelope.Id} arrived twice");

    private static RelayClient Client(CuttableProxy proxy, string agent) => new(new RelayClientOptions
    {
        ServerUrl = proxy.BaseUri,
        AgentId = agent,
        ReconnectDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)],
    });
}
