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
