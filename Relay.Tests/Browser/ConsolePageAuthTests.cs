using SignalRelay.Tests.Auth;

namespace SignalRelay.Tests.Browser;

/// <summary>The console page on a relay with JWT auth on: the token typed into the page decides who it is.</summary>
public sealed class ConsolePageAuthTests
{
    [Test]
    public async Task Console_page_with_a_valid_token_joins_loads_its_history_and_sends_as_the_token_agent()
    {
        JsEnvironment.RequireChromium();
        await using var secured = await SecuredRelay.StartAsync();
        var planner = await secured.ConnectAsync("planner");
        await planner.BroadcastAsync(Json.Parse("""{"text":"sent before the console joined"}"""));
        await planner.DirectAsync("someone-else", Json.Parse("""{"text":"not for the console"}"""));
        await using var page = await ConsolePage.OpenAsync(secured.Relay);

        await page.JoinAsync("operator", secured.Issuer.Token("operator"));
        await page.StatusAsync("Online as operator");
        await page.OnlineAgentAsync("planner");

        await page.LoadHistoryAsync();
        await page.FrameAsync("broadcast", "sent before the console joined");
        await page.AbsentFrameAsync("not for the console");

        await page.SendAsync(to: "planner", "signed hello");
        var direct = await Wait.NextAsync(planner.Messages, what: "the console's direct");
        Assert.Multiple(() =>
        {
            Assert.That(direct.From, Is.EqualTo("operator"));
            Assert.That(direct.Content.GetProperty("text").GetString(), Is.EqualTo("signed hello"));
            Assert.That(page.PageErrors(), Is.Empty);
        });
    }

    [Test]
    public async Task Console_page_with_a_wrong_token_shows_a_clear_error_and_joins_once_the_token_is_right()
    {
        JsEnvironment.RequireChromium();
        await using var secured = await SecuredRelay.StartAsync();
        await using var page = await ConsolePage.OpenAsync(secured.Relay);

        await page.JoinAsync("operator", secured.Issuer.Token("operator", new TokenSpec { ForgedSignature = true }));
        var alert = await page.AlertAsync("INVALID_TOKEN");
        await page.StatusAsync("Refused by the relay");
        Assert.That(alert, Does.Contain("Check the agent name and token"));
        await Screenshots.SaveAsync(page, "console-wrong-token");

        await page.JoinAsync("operator", secured.Issuer.Token("operator"));
        await page.StatusAsync("Online as operator");
        Assert.That(page.PageErrors(), Is.Empty, "a refused token must not break the page");
    }
}
