using SignalRelay.Tests.Raw;

namespace SignalRelay.Tests.Browser;

/// <summary>The console page keeps up with what the relay allows agents to send: a burst must not freeze it or grow it without end.</summary>
public sealed class ConsoleFloodTests
{
    [Test]
    public async Task Two_agents_bursts_within_their_rate_limit_are_all_shown_within_the_page_wait()
    {
        JsEnvironment.RequireChromium();
        await using var relay = await TestRelay.StartAsync();
        await using var page = await ConsolePage.OpenJoinedAsync(relay, "operator");

        await FloodAsync(relay, page, ["flood-a", "flood-b"], perAgent: 1000);

        Assert.That(page.PageErrors(), Is.Empty);
    }

    [Test]
    public async Task A_page_left_open_on_a_busy_bus_shows_the_newest_items_and_lets_the_oldest_go()
    {
        JsEnvironment.RequireChromium();
        await using var relay = await TestRelay.StartAsync();
        await using var page = await ConsolePage.OpenJoinedAsync(relay, "operator");

        // 2,100 broadcasts, one agent's burst after another, past the 2,000 items the feed keeps: the first hundred go.
        await FloodAsync(relay, page, ["flood-a", "flood-b", "flood-c"], perAgent: 700);

        await page.AbsentFrameAsync("flood-a 0.");
        await page.FrameAsync("broadcast", "flood-a 100.");
        Assert.That(page.PageErrors(), Is.Empty);
    }

    /// <summary>
    /// Each of <paramref name="agents"/> joins as a mesh agent, then sends a burst of <paramref name="perAgent"/>
    /// broadcasts, one agent after another; returns once the page shows every agent's last.
    /// </summary>
    private static async Task FloodAsync(TestRelay relay, ConsolePage page, string[] agents, int perAgent)
    {
        var floods = new List<RawSocketClient>();
        try
        {
            foreach (var agent in agents)
            {
                var client = await RawSocketClient.ConnectAsync(relay);
                floods.Add(client);
                await client.SendAsync(RawAgents.Presence(agent));
                await page.OnlineAgentAsync(agent);
            }
            for (var i = 0; i < agents.Length; i++)
            {
                await SendBurstAsync(floods[i], agents[i], perAgent);
            }
            foreach (var agent in agents)
            {
                await page.FrameAsync("broadcast", $"{agent} {perAgent - 1}.");
            }
        }
        finally
        {
            foreach (var client in floods)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task SendBurstAsync(RawSocketClient client, string agent, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await client.SendAsync($$$"""{"type":"broadcast","id":"{{{agent}}}-{{{i}}}","data":{"text":"{{{agent}}} {{{i}}}."}}""");
        }
    }
}
