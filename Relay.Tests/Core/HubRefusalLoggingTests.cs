using Microsoft.AspNetCore.SignalR;
using SignalRelay.Client;

namespace SignalRelay.Tests.Core;

/// <summary>A client's mistake on the hub is the client's: it is told, and the relay's log does not call it an error.</summary>
public sealed class HubRefusalLoggingTests
{
    [Test]
    public async Task A_refused_hub_call_reaches_the_caller_and_is_logged_at_debug_not_as_an_error()
    {
        using var data = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"),
            new Dictionary<string, string?> { ["Logging__LogLevel__SignalRelay.Server.Hub"] = "Debug" });
        await using var alice = new RelayClient(new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = "alice" });
        await alice.ConnectAsync();

        var refusal = Assert.ThrowsAsync<HubException>(() => alice.SendAsync(new SendRequest { To = " padded ", Content = Json.Of("x") }));
        await Wait.UntilAsync(() => relay.Output.Contains("Refused Send"), "the refusal is logged");
        var sent = await alice.BroadcastAsync(Json.Of("still connected"));

        Assert.Multiple(() =>
        {
            Assert.That(refusal!.Message, Does.Contain($"{ErrorCodes.InvalidMessage}: Recipient"));
            Assert.That(relay.Output, Does.Contain("dbug: SignalRelay.Server.Hub.RelayHubFilter"));
            Assert.That(relay.Output, Does.Not.Contain("fail:"), "no error, and no stack trace, for a refused call");
            Assert.That(sent.Seq, Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task A_refused_hub_connection_is_told_at_the_handshake_and_logged_at_debug_not_as_an_error()
    {
        using var data = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"),
            new Dictionary<string, string?> { ["Logging__LogLevel__SignalRelay.Server.Hub"] = "Debug" });

        var refusal = await HubWire.RefusalAsync(new Uri($"ws://{relay.BaseUri.Authority}{HubProtocol.Path}?agent=relay"));
        await Wait.UntilAsync(() => relay.Output.Contains("Refused a hub connection"), "the refusal is logged");

        Assert.That(refusal, Does.StartWith($"{{\"error\":\"{ErrorCodes.InvalidAgentId}: "));
        Assert.That(relay.Output, Does.Contain("dbug: SignalRelay.Server.Hub.HubIdentityGate"));
        Assert.That(relay.Output, Does.Not.Contain("fail:"), "no error, and no stack trace, for a refused connection");
    }
}
