using System.Text.Json;
using System.Text.Json.Nodes;

namespace SignalRelay.Tests.Browser;

/// <summary>
/// The relay's console page in headless Chromium (js/console-page.mjs), used the way a person would:
/// controls found by their accessible labels, results read from what the page shows.
/// </summary>
public sealed class ConsolePage : IAsyncDisposable
{
    private readonly NodeScript _browser;

    private ConsolePage(NodeScript browser)
    {
        _browser = browser;
    }

    /// <summary>Launches Chromium and opens the page a plain GET of the relay's <c>/</c> serves.</summary>
    public static async Task<ConsolePage> OpenAsync(TestRelay relay)
    {
        var browser = NodeScript.Start("console-page.mjs",
            "--url", relay.BaseUri.GetLeftPart(UriPartial.Authority),
            "--chromium", JsEnvironment.ChromiumPath);
        var page = new ConsolePage(browser);
        try
        {
            await browser.NextEventAsync("ready", TimeSpan.FromSeconds(30));
            var opened = await browser.RunAsync(Command("open", ("path", "/")));
            Assert.That(opened.GetProperty("status").GetInt32(), Is.EqualTo(200), "GET / must serve the console page");
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the page and joins the bus as <paramref name="agent"/>, with auth off, once the page says it is online.</summary>
    public static async Task<ConsolePage> OpenJoinedAsync(TestRelay relay, string agent)
    {
        var page = await OpenAsync(relay);
        try
        {
            await page.JoinAsync(agent);
            await page.StatusAsync($"Online as {agent}");
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    public async Task JoinAsync(string agent, string? token = null)
    {
        await _browser.RunAsync(Command("fill", ("label", "Agent name"), ("value", agent)));
        await _browser.RunAsync(Command("fill", ("label", "Access token (when auth is on)"), ("value", token ?? "")));
        await _browser.RunAsync(Command("click", ("button", "Join")));
    }

    /// <summary>The connection status line once it reads <paramref name="text"/>.</summary>
    public Task<string> StatusAsync(string text) => TextAsync("#status[role=status]", text);

    /// <summary>The error banner (role=alert) once it shows <paramref name="text"/>.</summary>
    public Task<string> AlertAsync(string text) => TextAsync("[role=alert]", text);

    /// <summary>Succeeds once the error banner (role=alert) is hidden.</summary>
    public Task AlertHiddenAsync() => TextAsync("[role=alert]", state: "hidden");

    /// <summary>The agent's entry in the roster once it shows the agent online (and <paramref name="text"/>).</summary>
    public Task<string> OnlineAgentAsync(string agent, string? text = null) =>
        TextAsync($"#roster li[data-agent=\"{agent}\"][data-online=\"true\"]", text);

    /// <summary>The first feed item of <paramref name="kind"/> showing <paramref name="text"/> (and in <paramref name="state"/>).</summary>
    public Task<string> FrameAsync(string kind, string text, string? state = null) =>
        TextAsync($"#feed li[data-kind=\"{kind}\"]{(state is null ? "" : $"[data-state=\"{state}\"]")}", text);

    /// <summary>Asks for earlier messages and waits until the answer is shown.</summary>
    public async Task LoadHistoryAsync()
    {
        await _browser.RunAsync(Command("click", ("button", "Load history")));
        await TextAsync("#history-button", "more history");
    }

    /// <summary>Succeeds once no feed item shows <paramref name="text"/>.</summary>
    public Task AbsentFrameAsync(string text) => TextAsync("#feed li", text, state: "detached");

    public async Task SendAsync(string? to, string text)
    {
        if (to is not null)
        {
            // The recipient list fills from presence; wait until the agent can be chosen.
            await TextAsync($"#recipient option[value=\"{to}\"]", state: "attached");
        }
        await _browser.RunAsync(Command("select", ("label", "To"), ("value", to ?? "")));
        await _browser.RunAsync(Command("fill", ("label", "Message"), ("value", text)));
        await _browser.RunAsync(Command("click", ("button", "Send")));
    }

    public Task ScreenshotAsync(string path) => _browser.RunAsync(Command("screenshot", ("path", path)));

    /// <summary>
    /// Uncaught errors and console errors the page has reported so far, except the browser's own note that
    /// /api/agents refused a non-admin token: with auth on that list is for admins, and the page copes without it.
    /// </summary>
    public List<string> PageErrors()
    {
        var errors = new List<string>();
        while (_browser.Events.TryRead(out var item))
        {
            if (item.GetProperty("event").GetString() != "page_error")
            {
                continue;
            }
            var message = item.GetProperty("message").GetString() ?? "";
            var url = item.GetProperty("url").GetString() ?? "";
            if (!(url.EndsWith("/api/agents", StringComparison.Ordinal) && (message.Contains("401") || message.Contains("403"))))
            {
                errors.Add($"{message} {url}".Trim());
            }
        }
        return errors;
    }

    /// <summary>Waits for the first element matching <paramref name="selector"/> (and showing <paramref name="text"/>) to reach <paramref name="state"/>; returns its text.</summary>
    private async Task<string> TextAsync(string selector, string? text = null, string state = "visible")
    {
        var command = Command("waitFor", ("selector", selector), ("text", text), ("state", state));
        var found = await _browser.RunAsync(command, TimeSpan.FromSeconds(15));
        return found.GetProperty("text").GetString() ?? "";
    }

    private static JsonObject Command(string name, params (string Key, string? Value)[] fields)
    {
        var command = new JsonObject { ["cmd"] = name };
        foreach (var (key, value) in fields)
        {
            command[key] = value;
        }
        return command;
    }

    public ValueTask DisposeAsync() => _browser.DisposeAsync();
}
