using System.Net;

namespace SignalRelay.Tests.Auth;

public sealed class AdminApiTests
{
    [Test]
    public async Task Agents_api_needs_a_token_with_the_admin_role()
    {
        await using var secured = await SecuredRelay.StartAsync();
        await secured.ConnectAsync("alice");
        var admin = secured.Issuer.Token("ops", new TokenSpec { Roles = [LocalIssuer.AdminRole] });

        using var anonymous = await secured.GetAsync("/api/agents");
        using var agent = await secured.GetAsync("/api/agents", headerToken: secured.Issuer.Token("alice"));
        using var byHeader = await secured.GetAsync("/api/agents", headerToken: admin);
        using var byQuery = await secured.GetAsync($"/api/agents?access_token={Uri.EscapeDataString(admin)}");

        Assert.Multiple(async () =>
        {
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(agent.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(byHeader.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(byQuery.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await byHeader.Content.ReadAsStringAsync(), Does.Contain("\"id\":\"alice\""));
        });
    }

    [Test]
    public async Task Answers_to_a_token_are_not_kept_by_browser_or_proxy_caches()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var alice = await secured.ConnectAsync("alice");
        await alice.DirectAsync("bob", Json.Parse("""{"text":"for bob only"}"""));
        var admin = secured.Issuer.Token("ops", new TokenSpec { Roles = [LocalIssuer.AdminRole] });

        using var agents = await secured.GetAsync($"/api/agents?access_token={Uri.EscapeDataString(admin)}");
        using var history = await secured.GetAsync("/api/history", headerToken: secured.Issuer.Token("bob"));

        Assert.Multiple(async () =>
        {
            Assert.That(await history.Content.ReadAsStringAsync(), Does.Contain("for bob only"));
            foreach (var answer in new[] { agents, history })
            {
                Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(answer.Headers.CacheControl?.NoStore, Is.True, $"{answer.RequestMessage?.RequestUri?.AbsolutePath}: Cache-Control {answer.Headers.CacheControl}");
            }
        });
    }

    [Test]
    public async Task Health_endpoints_and_AgentCore_ping_stay_open_with_auth_on()
    {
        await using var secured = await SecuredRelay.StartAsync();

        using var health = await secured.GetAsync("/healthz");
        using var ready = await secured.GetAsync("/readyz");
        using var ping = await secured.GetAsync("/ping");

        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ping.StatusCode, Is.EqualTo(HttpStatusCode.OK), "AgentCore's health contract");
    }
}
