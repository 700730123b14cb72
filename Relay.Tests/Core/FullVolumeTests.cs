using System.Net;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>The relay on a small volume of its own that its messages fill, with the default size bounds.</summary>
public sealed class FullVolumeTests
{
    private const int Messages = 1000;
    private const int Window = 16;

    [Test]
    public async Task An_agent_that_sends_more_than_the_volume_holds_has_every_message_stored_as_the_oldest_are_removed()
    {
        using var volume = new TempDirectory();
        await using var relay = await RelayProcess.StartOnVolumeAsync(volume.Path, megabytes: 40, new Dictionary<string, string?>
        {
            ["Relay__Limits__MessagesPerSecond"] = "100000",
            ["Relay__Limits__Burst"] = "100000",
        });
        await using var agent = await V03Async(relay.RawDoorUri, "filler");

        // 60 KB each, so the thousand are half again what the volume holds. Faster than the size bound is checked
        // (once a second), so the volume runs out before retention has caught up: what the relay refuses meanwhile,
        // the agent sends again, as a client should.
        var content = new string('x', 60_000);
        var waiting = new Queue<int>(Enumerable.Range(0, Messages));
        var acked = new HashSet<string>();
        var refusals = 0;
        var inFlight = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (acked.Count < Messages && !deadline.IsCancellationRequested)
        {
            for (; inFlight < Window && waiting.TryDequeue(out var next); inFlight++)
            {
                await agent.SendAsync(Message("filler", $"m{next}", content, ""","recipient":"nobody" """));
            }
            var reply = await agent.NextWhereAsync(f => f.Str("message_type") is "ACK" or "ERROR", "an ACK or a refusal");
            inFlight--;
            var id = reply.Str("message_id")!;
            if (reply.Str("message_type") == "ACK")
            {
                acked.Add(id);
                continue;
            }
            Assert.That(reply.ErrorCode(), Is.EqualTo(ErrorCodes.StoreUnavailable), reply.ToString());
            refusals++;
            waiting.Enqueue(int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture));
            // A client's back-off, so the refusals do not take the relay's CPU from the retention that makes room.
            await Task.Delay(50);
        }

        Assert.Multiple(() =>
        {
            Assert.That(acked, Has.Count.EqualTo(Messages), $"{refusals} refusals; the relay's last lines:\n{relay.Output[^Math.Min(relay.Output.Length, 3000)..]}");
            Assert.That(refusals, Is.GreaterThan(0), "the volume never ran short");
            Assert.That(relay.Output, Does.Not.Contain("database or disk is full"), "the relay filled the volume");
            Assert.That(relay.Output, Does.Contain("Removed the oldest"));
            Assert.That(relay.Output, Does.Contain("The store has room again"));
        });
        // A commit that succeeds clears the failures before it.
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
