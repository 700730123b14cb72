using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignalRelay.Client;
using SignalRelay.Server.Core;
using SignalRelay.Server.Operations;

namespace SignalRelay.Tests.Deploy;

/// <summary>AgentCore's <c>GET /ping</c>: 200 with a status and the time that status last changed.</summary>
public sealed class AgentCorePingTests
{
    [Test]
    public async Task Ping_reports_Healthy_when_idle_and_HealthyBusy_while_an_agent_is_connected()
    {
        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri };

        var idle = await PingAsync(http);
        Assert.That(idle.GetProperty("status").GetString(), Is.EqualTo(AgentCorePing.Healthy));
        Assert.That(idle.GetProperty("time_of_last_update").GetInt64(), Is.GreaterThan(0));

        // Owned here rather than by the relay, because the test ends its session itself.
        var agent = new RelayClient(new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = "alice" });
        await agent.ConnectAsync();
        var busy = await PingAsync(http);
        Assert.That(busy.GetProperty("status").GetString(), Is.EqualTo(AgentCorePing.HealthyBusy));
        Assert.That(busy.GetProperty("time_of_last_update").GetInt64(), Is.GreaterThanOrEqualTo(idle.GetProperty("time_of_last_update").GetInt64()));

        var again = await PingAsync(http);
        Assert.That(again.GetProperty("time_of_last_update").GetInt64(), Is.EqualTo(busy.GetProperty("time_of_last_update").GetInt64()),
            "the timestamp moves only when the status changes");

        await agent.DisposeAsync();
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        await Wait.UntilAsync(() => registry.OnlineCount == 0, "the agent's session is gone");
        Assert.That((await PingAsync(http)).GetProperty("status").GetString(), Is.EqualTo(AgentCorePing.Healthy));
    }

    private static async Task<JsonElement> PingAsync(HttpClient http)
    {
        using var response = await http.GetAsync(OperationsEndpoints.AgentCorePingPath);
        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
