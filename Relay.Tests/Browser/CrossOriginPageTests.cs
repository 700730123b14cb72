namespace SignalRelay.Tests.Browser;

/// <summary>
/// A web page served from somewhere other than the relay (the usual case for a browser agent) using the official
/// SignalR client, as README's "Browser agents" offers: every transport starts with a cross-origin negotiate, which
/// the browser sends only where the relay's CORS answer allows the page's origin.
/// </summary>
public sealed class CrossOriginPageTests
{
    private static readonly string[] Transports = ["WebSockets", "ServerSentEvents", "LongPolling"];

    [Test]
    public async Task A_page_on_an_allowed_origin_connects_and_sends_over_every_transport()
    {
        JsEnvironment.RequireChromium();
        await using var page = NodeScript.Start("hub-page.mjs", "--chromium", JsEnvironment.ChromiumPath);
        var origin = await PageOriginAsync(page);
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Cors:AllowedOrigins:0"] = origin });

        foreach (var transport in Transports)
        {
            var ack = await page.RunAsync(Connect(relay, transport));
            Assert.That(ack.GetProperty("seq").GetInt64(), Is.GreaterThan(0), transport);
        }
    }

    [Test]
    public async Task A_page_on_an_origin_not_allowed_is_refused()
    {
        JsEnvironment.RequireChromium();
        await using var page = NodeScript.Start("hub-page.mjs", "--chromium", JsEnvironment.ChromiumPath);
        await PageOriginAsync(page);
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Cors:AllowedOrigins:0"] = "http://elsewhere.localhost:5173" });

        var refusal = await page.FailureOfAsync(Connect(relay, "LongPolling"));

        Assert.That(refusal, Does.Contain("negotiation"));
    }

    /// <summary>The origin the page was served from: another port than the relay's, so another origin.</summary>
    private static async Task<string> PageOriginAsync(NodeScript page) =>
        (await page.NextEventAsync("ready", TimeSpan.FromSeconds(30))).GetProperty("origin").GetString()!;

    private static System.Text.Json.Nodes.JsonObject Connect(TestRelay relay, string transport) => new()
    {
        ["cmd"] = "connect",
        ["relay"] = relay.BaseUri.GetLeftPart(UriPartial.Authority),
        ["agent"] = $"page-{transport}",
        ["transport"] = transport,
    };
}
