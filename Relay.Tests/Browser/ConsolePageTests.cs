using System.Text.Json;
using System.Threading.Channels;

namespace SignalRelay.Tests.Browser;

/// <summary>The console page in headless Chromium, joined to a live relay as a mesh agent, with a .NET agent beside it.</summary>
public sealed class ConsolePageTests
{
    [Test]
    public async Task Console_page_sees_a_dotnet_agent_and_exchanges_broadcasts_a_growing_stream_and_directs()
    {
        JsEnvironment.RequireChromium();
        await using var relay = await TestRelay.StartAsync();
        await using var page = await ConsolePage.OpenJoinedAsync(relay, "operator");

        var planner = await relay.ConnectAsync("planner");
        await planner.AnnounceAsync(Json.Parse("""{"model":"relay-llm-1","role":"planner"}"""));
        await page.OnlineAgentAsync("planner", "relay-llm-1");
        var entry = await page.OnlineAgentAsync("planner", "signalr");
        Assert.That(entry, Does.Contain("relay-llm-1").And.Contain("last seen"), "the roster shows metadata, protocol and last-seen time");

        await planner.BroadcastAsync(Json.Parse("""{"text":"Plan: ship the console today"}"""));
        await page.FrameAsync("broadcast", "Plan: ship the console today");

        var chunks = Channel.CreateUnbounded<JsonElement>();
        var streamed = planner.StreamAsync(chunks.Reader.ReadAllAsync());
        await chunks.Writer.WriteAsync(Json.Of("The answer "));
        await page.FrameAsync("stream", "The answer", state: "streaming");
        await chunks.Writer.WriteAsync(Json.Of("is 42."));
        chunks.Writer.Complete();
        await streamed;
        var stream = await page.FrameAsync("stream", "The answer is 42.", state: "ended");
        Assert.That(stream, Does.Contain("planner → everyone"));

        await page.SendAsync(to: null, "Hello from the console");
        var broadcast = await Wait.NextAsync(planner.Messages, what: "the console's broadcast");
        await page.SendAsync(to: "planner", "Thanks, planner: go ahead.");
        var direct = await Wait.NextAsync(planner.Messages, what: "the console's direct");
        Assert.Multiple(() =>
        {
            Assert.That(broadcast.From, Is.EqualTo("operator"));
            Assert.That(broadcast.Kind, Is.EqualTo(EnvelopeKinds.Broadcast));
            Assert.That(broadcast.Content.GetProperty("text").GetString(), Is.EqualTo("Hello from the console"));
            Assert.That(direct.From, Is.EqualTo("operator"));
            Assert.That(direct.Kind, Is.EqualTo(EnvelopeKinds.Direct));
            Assert.That(direct.To, Is.EqualTo("planner"));
            Assert.That(direct.Content.GetProperty("text").GetString(), Is.EqualTo("Thanks, planner: go ahead."));
        });
        await page.FrameAsync("direct", "Thanks, planner: go ahead.");

        await Screenshots.SaveAsync(page, "console", publishToDocs: true);
        Assert.That(page.PageErrors(), Is.Empty, "the page must run without script or console errors");
    }

    [Test]
    public async Task Console_page_rejoins_by_itself_after_the_relay_restarts()
    {
        JsEnvironment.RequireChromium();
        using var data = new TempDirectory();
        var database = data.File("relay.db");
        ConsolePage? page = null;
        try
        {
            int port;
            await using (var first = await TestRelay.StartAsync(databasePath: database))
            {
                port = first.BaseUri.Port;
                page = await ConsolePage.OpenAsync(first);
                await page.JoinAsync("operator");
                await page.StatusAsync("Online as operator");
            }
            await page.StatusAsync("retrying");

            await using var second = await TestRelay.StartAsync(new Dictionary<string, string?> { ["urls"] = $"http://127.0.0.1:{port}" }, database);
            await page.StatusAsync("Online as operator");
            var planner = await second.ConnectAsync("planner");
            await page.OnlineAgentAsync("planner");
            await planner.BroadcastAsync(Json.Parse("""{"text":"after the restart"}"""));
            await page.FrameAsync("broadcast", "after the restart");
        }
        finally
        {
            if (page is not null)
            {
                await page.DisposeAsync();
            }
        }
    }
}
