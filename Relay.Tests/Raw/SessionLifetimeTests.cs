using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignalRelay.Server.Core;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>How raw sessions end: reaped when silent, dropped when they stop reading, and never left behind.</summary>
public sealed class SessionLifetimeTests
{
    [Test]
    public async Task A_silent_mesh_agent_is_reaped_and_the_others_get_its_offline_presence()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Sessions:ReapAfterSeconds"] = "1" });
        await using var watcher = await MeshAsync(relay, "watcher");
        using var heartbeats = new CancellationTokenSource();
        var beating = KeepBeatingAsync(watcher, heartbeats.Token);
        await using var quiet = await MeshAsync(relay, "quiet");

        var reaped = await quiet.NextOfAsync("type", "error");
        var offline = await watcher.NextWhereAsync(f => f.Str("from") == "quiet" && f.GetProperty("data").Str("status") == "offline", "quiet's offline presence");
        Assert.Multiple(async () =>
        {
            Assert.That(reaped.ErrorCode(), Is.EqualTo("HEARTBEAT_TIMEOUT"));
            Assert.That(await quiet.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
            Assert.That(offline.GetRawText(), Is.EqualTo("""{"type":"presence","from":"quiet","data":{"status":"offline"}}"""));
            Assert.That(relay.Services.GetRequiredService<SessionRegistry>().IsOnline("watcher"), Is.True, "heartbeats keep an agent alive");
        });
        await heartbeats.CancelAsync();
        await beating;
    }

    [Test]
    public async Task A_v03_peer_that_never_answers_a_websocket_ping_is_cut_off_after_the_keepalive_timeout()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:RawSockets:KeepAliveSeconds"] = "1",
            ["Relay:RawSockets:KeepAliveTimeoutSeconds"] = "1",
        });
        await using var watcher = await V03Async(relay, "watcher");
        // A socket spoken by hand answers no ping; it reads nothing either, but only a few frames come its way.
        using var mute = await UpgradedTcp.ConnectAsync(relay, "/");
        await mute.SendAsync([UpgradedTcp.Frame(UpgradedTcp.Text, final: true, Encoding.UTF8.GetBytes(Hello("mute")))]);
        await watcher.NextWhereAsync(f => f.Str("agent") == "mute" && f.Str("status") == "online", "mute's arrival");

        var left = await watcher.NextWhereAsync(f => f.Str("agent") == "mute" && f.Str("status") == "offline", "mute cut off");

        Assert.That(left.Str("sender"), Is.EqualTo("relay_server"));
        Assert.That(relay.Services.GetRequiredService<SessionRegistry>().IsOnline("watcher"), Is.True,
            "a peer that answers pings is kept");
    }

    [Test]
    public async Task A_client_that_stops_reading_is_dropped_while_the_others_get_everything_and_on_return_it_gets_all_it_never_read()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:SendQueueCapacity"] = "16" });
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        await using var slow = await RawSocketClient.ConnectAsync(relay, read: false);
        await slow.SendAsync(Presence("slow"));
        await UntilOnlineAsync(relay, "slow");
        var slowSession = registry.OnlineSessions().Single(s => s.AgentId == "slow");
        await using var fast = await MeshAsync(relay, "fast");
        await using var sender = await MeshAsync(relay, "sender");

        // Windows of 8 keep the fast reader's queue short; the slow reader's socket buffers fill, then its queue.
        const int window = 8, maxWindows = 250;
        var payload = new string('p', 30_000);
        var sent = 0;
        for (var w = 0; w < maxWindows && !slowSession.IsClosed; w++)
        {
            for (var i = 0; i < window; i++, sent++)
            {
                await sender.SendAsync($$"""{"type":"broadcast","id":"b{{sent}}","data":"{{payload}}"}""");
            }
            for (var i = sent - window; i < sent; i++)
            {
                Assert.That((await fast.NextMeshTrafficAsync()).Str("id"), Is.EqualTo($"b{i}"), "the fast reader gets everything, in order");
            }
        }
        TestContext.Out.WriteLine($"slow reader dropped after {sent} frames of 30 kB");
        Assert.That(slowSession.CloseReason?.Code, Is.EqualTo(ErrorCodes.SlowConsumer), "the slow reader is dropped");
        await UntilOnlineAsync(relay, "slow", online: false);
        Assert.Multiple(() =>
        {
            Assert.That(registry.IsOnline("fast"), Is.True);
            Assert.That(registry.IsOnline("sender"), Is.True);
        });

        // It read nothing, so everything sent since it came is replayed, including what sat in socket buffers
        // when it was dropped: those frames were written, never read.
        await using var back = await MeshAsync(relay, "slow");
        var replayed = new List<string?>();
        for (var i = 0; i < sent; i++)
        {
            replayed.Add((await back.NextMeshTrafficAsync()).Str("id"));
        }
        Assert.That(replayed, Is.EqualTo(Enumerable.Range(0, sent).Select(i => $"b{i}")));
    }

    [Test]
    public async Task A_client_that_keeps_asking_for_history_and_never_reads_is_dropped_while_others_are_answered()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MaxQueuedBytes"] = "1048576",
            // Room for a whole reply of 200 below, so the queue's bound, not the reply's, is what this test meets.
            ["Relay:Limits:MaxReplyBytes"] = "2097152",
        });
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        var filler = await relay.ConnectAsync("filler");
        var text = new string('h', 8_000);
        for (var i = 0; i < 200; i++)
        {
            await filler.BroadcastAsync(Json.Of(text), $"h{i}");
        }
        await using var asker = await ConnectWithoutReadingAsync(relay, "asker");

        // Each reply carries 200 messages, 1.6 MB. Unread, the first ones fill the socket buffers (tens of MB on
        // loopback at most) and the rest wait in the relay, which lets 1 MiB of them wait and no more. Queued by
        // number alone, all the replies would have fit.
        const int maxRequests = 150;
        var asked = 0;
        try
        {
            for (; asked < maxRequests && registry.IsOnline("asker"); asked++)
            {
                await asker.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY","limit":200}""");
            }
        }
        catch (WebSocketException)
        {
            // The relay dropped the connection while a request was on its way.
        }
        await UntilOnlineAsync(relay, "asker", online: false);

        await using var other = await V03Async(relay, "other");
        await other.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY","limit":200}""");
        var history = await other.NextOfAsync("message_type", "HISTORY_RESPONSE");
        Assert.That(history.GetProperty("messages").GetArrayLength(), Is.EqualTo(200));
    }

    [Test]
    public async Task An_agent_that_stops_reading_while_large_directs_pile_up_is_dropped_at_the_byte_bound_and_replayed_later()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:MaxQueuedBytes"] = "1048576" });
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        var sender = await relay.ConnectAsync("sender");
        await using var sleeper = await ConnectWithoutReadingAsync(relay, "sleeper");
        var session = registry.OnlineSessions().Single(s => s.AgentId == "sleeper");

        // 60 KB each: the socket buffers take the first ones (a few MB on loopback), then 1 MiB may wait in the relay.
        // Counted by frames alone, 4,096 of them (240 MB) would have waited.
        const int most = 1000;
        var text = new string('d', 60_000);
        var sent = 0;
        for (; sent < most && !session.IsClosed; sent++)
        {
            await sender.DirectAsync("sleeper", Json.Of(text), $"d{sent}");
        }
        await UntilOnlineAsync(relay, "sleeper", online: false);

        await using var back = await V03Async(relay, "sleeper");
        Assert.Multiple(async () =>
        {
            Assert.That(sent, Is.LessThan(most), "dropped long before the frame count would have");
            Assert.That((await back.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("d0"), "nothing it never read is lost");
        });
    }

    [Test]
    public async Task A_reader_dropped_while_the_relay_waited_on_its_socket_finds_SLOW_CONSUMER_and_close_1008_when_it_reads_on()
    {
        await using var relay = await TestRelay.StartAsync(
            new Dictionary<string, string?> { ["Relay:Limits:MaxQueuedBytes"] = "262144" }, sendBufferBytes: SlowReaderBufferBytes);
        var sender = await relay.ConnectAsync("sender");
        // Small socket buffers at both ends: the relay's write to this reader blocks long before its queue overflows.
        using var socket = await HelloOnPlainSocketAsync(relay, "lagging");
        await UntilOnlineAsync(relay, "lagging");
        var session = relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions().Single(s => s.AgentId == "lagging");
        var text = new string('d', 60_000);
        for (var sent = 0; sent < 200 && !session.IsClosed; sent++)
        {
            await sender.DirectAsync("lagging", Json.Of(text), $"d{sent}");
        }
        Assert.That(session.CloseReason?.Code, Is.EqualTo(ErrorCodes.SlowConsumer));

        // The agent was only slow: it reads on, through what its socket holds, to the relay's last word.
        var frames = new List<JsonElement>();
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        using var timeout = new CancellationTokenSource(Wait.Default);
        WebSocketReceiveResult received;
        while ((received = await socket.ReceiveAsync(buffer, timeout.Token)).MessageType != WebSocketMessageType.Close)
        {
            message.Write(buffer, 0, received.Count);
            if (received.EndOfMessage)
            {
                frames.Add(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                message.SetLength(0);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(frames[^1].ErrorCode(), Is.EqualTo(ErrorCodes.SlowConsumer), "the frame before the close says why");
            Assert.That(received.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        });
    }

    [Test]
    public async Task A_connection_that_replaces_one_that_stopped_reading_is_replayed_what_the_first_never_read()
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        // Stands for a connection gone half-open: frames are written to it, and nothing is read or answered.
        await using var stale = await ConnectWithoutReadingAsync(relay, "twin");
        var sent = new List<SendAck>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add(await sender.BroadcastAsync(Json.Of($"m{i}"), $"m{i}"));
        }
        await Wait.UntilAsync(() => relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions()
            .Single(s => s.AgentId == "twin").LastDeliveredSeq == sent[^1].Seq, "every message is written to the stale connection");

        await using var fresh = await V03Async(relay, "twin");
        var replayed = new List<string?>();
        for (var i = 0; i < sent.Count; i++)
        {
            replayed.Add((await fresh.NextV03MessageAsync()).Str("message_id"));
        }
        Assert.That(replayed, Is.EqualTo(sent.Select(a => a.Id)));
    }

    [Test]
    public async Task A_client_whose_connection_breaks_is_replayed_only_what_it_had_not_read()
    {
        await using var relay = await TestRelay.StartAsync();
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        var sender = await relay.ConnectAsync("sender");
        var reader = await V03Async(relay, "reader");
        var read = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            await sender.BroadcastAsync(Json.Of($"m{i}"), $"m{i}");
            read.Add((await reader.NextV03MessageAsync()).Long("seq"));
        }
        // The relay's ping after those frames comes back once the client's WebSocket has read them.
        await Wait.UntilAsync(() => registry.OnlineSessions().Single(s => s.AgentId == "reader").ConfirmedSeq == read[^1],
            "the reader's pong confirms what it read");

        reader.Socket.Abort();
        await UntilOnlineAsync(relay, "reader", online: false);
        await sender.BroadcastAsync(Json.Of("while away"), "away");
        await using var back = await V03Async(relay, "reader");

        var first = await back.NextV03MessageAsync();
        Assert.That(first.Str("message_id"), Is.EqualTo("away"), "what it had read is not sent again");
    }

    [Test]
    public async Task Thousands_of_connect_and_disconnect_cycles_leave_no_session_or_memory_behind()
    {
        // Quiet logs: the test runner keeps captured output in memory, which would swamp the measurement. The cycles
        // come from one address faster than its limit on new connections allows.
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Relay:Limits:NewConnectionBurstPerAddress"] = "100000",
        });
        var registry = relay.Services.GetRequiredService<SessionRegistry>();

        await CycleAsync(relay, 200, "warmup");
        await Wait.UntilAsync(() => registry.OnlineCount == 0, "every warm-up session is gone");
        var before = SettledHeapBytes();
        await CycleAsync(relay, 2000, "churn");
        await Wait.UntilAsync(() => registry.OnlineCount == 0, "every session is gone");
        var growth = SettledHeapBytes() - before;

        TestContext.Out.WriteLine($"heap growth over 2000 cycles: {growth / 1024} KiB");
        // A session leaked per cycle (several kB each) would be 6 MiB or more. The runtime's own one-time growth (new
        // thread-pool threads and their per-thread caches) has measured anywhere from 0 to about 1 MiB here, with
        // this build and the one before it alike.
        Assert.That(growth, Is.LessThan(2L * 1024 * 1024), "a session leaked per cycle would show here");
    }

    [Test]
    public async Task Shutting_down_tells_raw_agents_why_and_closes_with_1001()
    {
        var relay = await TestRelay.StartAsync();
        await using (relay)
        {
            await using var v = await V03Async(relay, "vee");
            await using var mesh = await MeshAsync(relay, "em");

            await relay.App.StopAsync();

            Assert.Multiple(async () =>
            {
                Assert.That((await v.NextOfAsync("message_type", "ERROR")).ErrorCode(), Is.EqualTo("SERVER_SHUTDOWN"));
                Assert.That(await v.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
                Assert.That((await mesh.NextOfAsync("type", "error")).ErrorCode(), Is.EqualTo("SERVER_SHUTDOWN"));
                Assert.That(await mesh.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
            });
        }
    }

    [Test]
    public async Task Shutting_down_does_not_wait_for_a_connection_still_in_its_handshake_and_tells_it_why()
    {
        var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Shutdown:TimeoutSeconds"] = "30",
            ["Relay:Sessions:HandshakeTimeoutSeconds"] = "60",
        });
        await using (relay)
        {
            await using var silent = await RawSocketClient.ConnectAsync(relay);
            var clock = System.Diagnostics.Stopwatch.StartNew();

            var stopped = relay.App.StopAsync();
            var error = await silent.NextAsync();
            var closed = await silent.ClosedWithinAsync();
            await stopped;

            Assert.Multiple(() =>
            {
                Assert.That(error.ErrorCode(), Is.EqualTo("SERVER_SHUTDOWN"));
                Assert.That(closed, Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "stopped without waiting for the shutdown timeout");
            });
        }
    }

    [Test]
    public async Task An_agent_that_identifies_after_the_shutdown_closed_everyone_is_closed_too()
    {
        var relay = await TestRelay.StartAsync();
        await using (relay)
        {
            // Its connection was taken before the drain began; its HELLO comes once the drain has closed everyone.
            await using var late = await RawSocketClient.ConnectAsync(relay);
            await relay.Services.GetRequiredService<ShutdownCoordinator>().DrainAsync();
            await late.SendAsync(Hello("late"));

            Assert.That((await late.NextOfAsync("message_type", "ERROR")).ErrorCode(), Is.EqualTo("SERVER_SHUTDOWN"));
            Assert.That(await late.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
        }
    }

    /// <summary>Connects, identifies (alternating dialects and reusing a few names), and closes, sequentially on 4 lanes.</summary>
    private static async Task CycleAsync(TestRelay relay, int cycles, string prefix)
    {
        var lanes = Enumerable.Range(0, 4).Select(async lane =>
        {
            for (var i = lane; i < cycles; i += 4)
            {
                using var socket = new ClientWebSocket();
                await socket.ConnectAsync(relay.WebSocketUri(), CancellationToken.None);
                var agent = $"{prefix}-{i % 8}";
                var hello = i % 2 == 0 ? Hello(agent) : Presence(agent);
                await socket.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, CancellationToken.None);
                if (i % 2 == 0)
                {
                    var buffer = new byte[4096];
                    await socket.ReceiveAsync(buffer, CancellationToken.None);
                }
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        });
        await Task.WhenAll(lanes);
    }

    private static long SettledHeapBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task KeepBeatingAsync(RawSocketClient client, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await client.SendAsync("""{"type":"heartbeat"}""");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
