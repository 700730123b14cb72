using System.Net;

namespace SignalRelay.Tests.Auth;

public sealed class AuthLoggingTests
{
    [Test]
    public async Task A_refused_token_is_logged_at_debug_with_its_reason_and_without_the_token()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        var environment = issuer.RelaySettings().ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value);
        environment["Logging__LogLevel__SignalRelay.Server.Auth"] = "Debug";
        using var data = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"), environment);
        var token = BadTokens.For(issuer, BadToken.WrongAudience);

        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/agents");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        await Wait.UntilAsync(() => relay.Output.Contains("Token refused"), "the refusal is logged");

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(relay.Output, Does.Contain("dbug: SignalRelay.Server.Auth.RelayTokenValidator"));
            Assert.That(relay.Output, Does.Contain("Token refused: The token is meant for another audience."));
            foreach (var part in token.Split('.'))
            {
                Assert.That(relay.Output, Does.Not.Contain(part), "no part of the token is printed");
            }
        });
    }
}
