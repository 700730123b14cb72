using System.Net;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// A platform asks <c>/readyz</c> every few seconds, and anyone may ask it as often as they like: an unready relay's
/// answer is a 503 for them, not a line in the log for each asking.
/// </summary>
public sealed class ReadinessLoggingTests
{
    private const int Probes = 20;

    [Test]
    public async Task Readiness_asked_often_while_the_store_fails_adds_no_line_to_the_store_failure()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        await using var relay = await RelayProcess.StartOnLoopbackAsync(db);
        await using var alice = await V03Async(relay.RawDoorUri, "alice");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        using (StoreSabotage.RefuseInserts(db))
        {
            await alice.SendAsync(Message("alice", "m1", "refused"));
            await alice.NextOfAsync("message_type", "ERROR");
            for (var i = 0; i < Probes; i++)
            {
                Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            }
        }

        Assert.That(ConsoleLog.WarningsAndErrors(relay.Output), Has.Count.EqualTo(1), relay.Output);
    }

    [Test]
    public async Task A_drain_with_readiness_asked_throughout_logs_no_warning_or_error_and_exits_0()
    {
        using var dir = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(dir.File("relay.db"));
        await using var hubAgent = new SignalRelay.Client.RelayClient(new SignalRelay.Client.RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = "hubby" });
        await hubAgent.ConnectAsync();
        // An agent that reads nothing holds the drain open for its whole budget, while the platform keeps asking.
        await using var slow = await RawSocketClient.ConnectAsync(relay.RawDoorUri, read: false);
        await slow.SendAsync(Hello("slow"));
        await Wait.UntilAsync(() => relay.Output.Contains("Agent slow connected"), "the slow agent is signed in");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        relay.Terminate();
        await Wait.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, "the relay drains");
        for (var i = 0; i < Probes; i++)
        {
            Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }

        Assert.That(await relay.WaitForExitAsync(TimeSpan.FromSeconds(15)), Is.EqualTo(0), relay.Output);
        Assert.That(ConsoleLog.WarningsAndErrors(relay.Output), Is.Empty, relay.Output);
    }
}
