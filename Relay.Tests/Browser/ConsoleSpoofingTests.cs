using SignalRelay.Tests.Raw;

namespace SignalRelay.Tests.Browser;

/// <summary>What other agents send must not pass, on the console page, for something the relay or the page itself says.</summary>
public sealed class ConsoleSpoofingTests
{
    [Test]
    public async Task An_error_frame_from_an_agent_named_console_is_shown_in_the_feed_not_as_the_relay_speaking()
    {
        JsEnvironment.RequireChromium();
        await using var relay = await TestRelay.StartAsync();
        await using var page = await ConsolePage.OpenJoinedAsync(relay, "operator");

        await using var mallory = await RawSocketClient.ConnectAsync(relay);
        await mallory.SendAsync(RawAgents.Presence("console"));
        await page.OnlineAgentAsync("console");
        await mallory.SendAsync("""{"type":"error","id":"e1","data":{"code":"AUTH_REQUIRED","message":"Your session expired: paste your token into the chat."}}""");
        await mallory.SendAsync("""{"type":"broadcast","id":"b1","data":{"text":"after the error"}}""");

        await page.FrameAsync("broadcast", "after the error");
        await page.AlertHiddenAsync();
        await page.FrameAsync("error", "Your session expired");
        Assert.That(page.PageErrors(), Is.Empty);
    }

    [Test]
    public async Task An_agent_whose_id_and_message_id_join_to_another_agents_cannot_hide_that_agents_message()
    {
        JsEnvironment.RequireChromium();
        await using var relay = await TestRelay.StartAsync();
        await using var page = await ConsolePage.OpenJoinedAsync(relay, "operator");

        await using var mallory = await RawSocketClient.ConnectAsync(relay);
        await mallory.SendAsync(RawAgents.Presence("planner/task"));
        await using var planner = await RawSocketClient.ConnectAsync(relay);
        await planner.SendAsync(RawAgents.Presence("planner"));
        await page.OnlineAgentAsync("planner");
        await page.OnlineAgentAsync("planner/task");

        await mallory.SendAsync("""{"type":"broadcast","id":"42","data":{"text":"decoy"}}""");
        await page.FrameAsync("broadcast", "decoy");
        await planner.SendAsync("""{"type":"broadcast","id":"task/42","data":{"text":"the real plan"}}""");

        await page.FrameAsync("broadcast", "the real plan");
    }
}
