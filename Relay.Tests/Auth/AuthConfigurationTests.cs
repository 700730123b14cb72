using System.Net;
using Microsoft.Extensions.Options;

namespace SignalRelay.Tests.Auth;

public sealed class AuthConfigurationTests
{
    [Test]
    public async Task Mode_None_is_still_a_one_command_start_with_no_tokens_anywhere()
    {
        using var data = new TempDirectory();
        await using var process = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"));
        using var http = new HttpClient { BaseAddress = process.BaseUri, Timeout = Wait.Default };

        using var agents = await http.GetAsync("/api/agents");

        Assert.That(agents.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Mode_None_lets_agents_name_themselves_on_the_hub()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        await alice.BroadcastAsync(Json.Of("no token needed"));

        Assert.That((await Wait.NextAsync(bob.Messages)).From, Is.EqualTo("alice"));
        Assert.That(await alice.RefreshTokenAsync("ignored"), Is.Null, "with auth off a session never expires");
    }

    [Test]
    public async Task Jwt_mode_without_an_authority_stops_start_up_naming_the_setting()
    {
        using var data = new TempDirectory();

        var failure = await RelayProcess.StartFailureAsync(RelayProcess.StartOnLoopbackAsync(
            data.File("relay.db"), new Dictionary<string, string?> { ["Auth__Mode"] = "Jwt", ["Auth__Audiences__0"] = "relay" }));

        Assert.That(failure, Does.Contain("Auth:Authority is required"));
    }

    [TestCase("Auth:Authority", "http://idp.example", "Auth:Authority must use https")]
    [TestCase("Auth:Authority", "not a url", "Auth:Authority must be an absolute")]
    [TestCase("Auth:Audiences:0", null, "Auth:Audiences or Auth:AllowedClients")]
    [TestCase("Auth:AgentIdClaim", "", "Auth:AgentIdClaim")]
    public void A_bad_jwt_setting_stops_start_up_naming_it(string key, string? value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Jwt",
            ["Auth:Authority"] = "https://idp.example",
            ["Auth:Audiences:0"] = "relay",
        };
        if (value is null)
        {
            settings.Remove(key);
        }
        else
        {
            settings[key] = value;
        }

        var failure = Assert.ThrowsAsync<OptionsValidationException>(() => TestRelay.StartAsync(settings));

        Assert.That(failure!.Message, Does.Contain(message));
    }
}
