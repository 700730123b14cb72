using Microsoft.Extensions.DependencyInjection;
using SignalRelay.Server.Core;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>
/// Each connection's queue is bounded in bytes, and so are all of them together (<c>Relay:Limits:MaxQueuedBytesTotal</c>):
/// otherwise every agent that stops reading may hold its own bound, and enough of them hold more than the relay has.
/// </summary>
public sealed class RelayWideQueueTests
{
    [Test]
    public async Task Agents_that_stop_reading_are_dropped_at_the_relay_wide_bound_while_an_agent_that_reads_carries_on()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            // 256 MiB each, so only the bound for all of them together can drop the two below.
            ["Relay:Limits:MaxQueuedBytes"] = "268435456",
            ["Relay:Limits:MaxQueuedBytesTotal"] = "2097152",
            ["Relay:Limits:MessagesPerSecond"] = "100000",
            ["Relay:Limits:Burst"] = "100000",
        });
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        var queues = relay.Services.GetRequiredService<QueueLimits>();
        var sender = await relay.ConnectAsync("sender");
        var reader = await relay.ConnectAsync("reader");
        await using var deafA = await ConnectWithoutReadingAsync(relay, "deaf-a");
        await using var deafB = await ConnectWithoutReadingAsync(relay, "deaf-b");

        // 60 KB directs, to each in turn: the socket buffers take the first few MB of each, then they wait in the relay.
        // Without the relay-wide bound, the 60 MB each would all have waited.
        const int most = 2000;
        var text = new string('d', 60_000);
        var sent = 0;
        var ticks = 0;
        for (; sent < most && (registry.IsOnline("deaf-a") || registry.IsOnline("deaf-b")); sent++)
        {
            await sender.DirectAsync(sent % 2 == 0 ? "deaf-a" : "deaf-b", Json.Of(text), $"d{sent}");
            if (sent % 10 == 0)
            {
                await sender.BroadcastAsync(Json.Of("tick"), $"tick{ticks++}");
            }
        }
        await UntilOnlineAsync(relay, "deaf-a", online: false);
        await UntilOnlineAsync(relay, "deaf-b", online: false);

        var heard = await Wait.NextAsync(reader.Messages, ticks);
        Assert.Multiple(() =>
        {
            Assert.That(sent, Is.LessThan(most), "dropped long before their own bound");
            Assert.That(heard.Select(m => m.Id), Is.EqualTo(Enumerable.Range(0, ticks).Select(i => $"tick{i}")));
            Assert.That(registry.IsOnline("reader"), Is.True, "a reader has nothing waiting, so the bound never drops it");
        });
        await Wait.UntilAsync(() => queues.Waiting == 0, "every byte counted as waiting to be released");
    }

    [Test]
    public async Task A_large_reply_cut_off_by_the_connections_end_leaves_nothing_counted_as_waiting()
    {
        await using var relay = await TestRelay.StartAsync(
            new Dictionary<string, string?> { ["Relay:Limits:MaxQueuedBytes"] = "2097152" }, sendBufferBytes: SlowReaderBufferBytes);
        var queues = relay.Services.GetRequiredService<QueueLimits>();
        var sender = await relay.ConnectAsync("sender");
        var text = new string('h', 60_000);
        for (var i = 0; i < 20; i++)
        {
            await sender.BroadcastAsync(Json.Of(text), $"h{i}");
        }

        // Replies of about 1 MiB each, asked for and never read: the first waits on the socket, the rest in the queue,
        // until the queue's bound drops the connection in the middle of writing the first.
        using var asker = await HelloOnPlainSocketAsync(relay, "asker");
        await UntilOnlineAsync(relay, "asker");
        var session = relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions().Single(s => s.AgentId == "asker");
        var request = System.Text.Encoding.UTF8.GetBytes("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY","limit":20}""");
        for (var i = 0; i < 8 && !session.IsClosed; i++)
        {
            await asker.SendAsync(request, System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        }
        await Wait.UntilAsync(() => session.IsClosed, "the asker is dropped");
        await UntilOnlineAsync(relay, "asker", online: false);

        Assert.That(session.CloseReason?.Code, Is.EqualTo(ErrorCodes.SlowConsumer));
        await Wait.UntilAsync(() => queues.Waiting == 0, "every byte counted as waiting to be released");
    }
}
