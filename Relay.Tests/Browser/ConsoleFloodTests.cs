using SignalRelay.Tests.Raw;

namespace SignalRelay.Tests.Browser;

/// <summary>The console page keeps up with what the relay allows agents to send: a burst must not freeze it.</summary>
public sealed class ConsoleFloodTests
{
    private const int PerAgent = 1000;

    [Test]
    public async Task Two_agents_bursts_within_their_rate_limit_are_all_shown_within_the_page_wait()
    {
        JsEnvironment.RequireChromium();
        await using var relay = await TestRelay.StartAsync();
        await using var page = await ConsolePage.OpenJoinedAsync(relay, "operator");

        var floods = new List<RawSocketClient>();
        try
        {
            foreach (var agent in new[] { "flood-a", "flood-b" })
            {
                var client = await RawSocketClient.ConnectAsync(relay);
                floods.Add(client);
                await client.SendAsync(RawAgents.Presence(agent));
                await page.OnlineAgentAsync(agent);
            }
            await Task.WhenAll(floods.Select((client, n) => SendBurstAsync(client, n == 0 ? "flood-a" : "flood-b")));

            await page.FrameAsync("broadcast", $"flood-a {PerAgent - 1}.");
            await page.FrameAsync("broadcast", $"flood-b {PerAgent - 1}.");
            Assert.That(page.PageErrors(), Is.Empty);
        }
        finally
        {
            foreach (var client in floods)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task SendBurstAsync(RawSocketClient client, string agent)
    {
        for (var i = 0; i < PerAgent; i++)
        {
            await client.SendAsync($$$"""{"type":"broadcast","id":"{{{agent}}}-{{{i}}}","data":{"text":"{{{agent}}} {{{i}}}."}}""");
        }
    }
}
