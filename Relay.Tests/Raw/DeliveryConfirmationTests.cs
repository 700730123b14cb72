using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using SignalRelay.Server.Core;
using SignalRelay.Server.RawSocket;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>The raw doors' cursor moves only as the client's WebSocket confirms reading, and keeps moving.</summary>
public sealed class DeliveryConfirmationTests
{
    [Test]
    public async Task Confirmation_works_for_a_client_that_sends_its_hello_and_a_message_in_one_write()
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(relay.BaseUri.Host, relay.BaseUri.Port);
        var stream = tcp.GetStream();
        await UpgradeAsync(stream, relay.BaseUri);
        // Both frames reach the relay together, so the WebSocket reads part of the second with the first.
        byte[] both = [.. MaskedText(Hello("piper")), .. MaskedText(Message("piper", "x1", new string('z', 300)))];
        await stream.WriteAsync(both);
        using var client = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false });
        var reading = DrainAsync(client);
        await UntilOnlineAsync(relay, "piper");

        var last = 0L;
        for (var i = 0; i < 3; i++)
        {
            last = (await sender.BroadcastAsync(Json.Of($"m{i}"), $"m{i}")).Seq;
        }

        var session = relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions().Single(s => s.AgentId == "piper");
        await Wait.UntilAsync(() => session.ConfirmedSeq == last, "the client's pong confirms the last message");
        client.Abort();
        await reading;
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task A_new_agent_whose_first_connection_breaks_unread_gets_what_waited_for_it_and_no_broadcast_from_before_it_came(bool directWaiting)
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        var waiting = new List<string>();
        if (directWaiting)
        {
            waiting.Add((await sender.SendAsync(new SendRequest { To = "newbie", Content = Json.Of("waiting for you") })).Id);
        }
        for (var i = 0; i < 3; i++)
        {
            await sender.BroadcastAsync(Json.Of($"old{i}"), $"old{i}");
        }
        await using (var stale = await ConnectWithoutReadingAsync(relay, "newbie"))
        {
            stale.Socket.Abort();
        }
        await UntilOnlineAsync(relay, "newbie", online: false);
        await sender.BroadcastAsync(Json.Of("later"), "later");

        await using var back = await V03Async(relay, "newbie");
        var got = new List<string?>();
        foreach (var _ in waiting.Append("later"))
        {
            got.Add((await back.NextV03MessageAsync()).Str("message_id"));
        }
        Assert.That(got, Is.EqualTo(waiting.Append("later")), "the direct it never read comes again; the broadcasts from before it came do not");
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task A_client_that_leaves_without_reading_is_sent_what_it_never_read_when_it_comes_back(bool sayingGoodbye)
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        await using (var leaver = await ConnectWithoutReadingAsync(relay, "leaver"))
        {
            var last = 0L;
            for (var i = 0; i < 3; i++)
            {
                last = (await sender.BroadcastAsync(Json.Of($"m{i}"), $"m{i}")).Seq;
            }
            var session = relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions().Single(s => s.AgentId == "leaver");
            await Wait.UntilAsync(() => session.LastDeliveredSeq == last, "every message is written to it");
            // Or its close frame, as a browser's close() sends: a browser drops whatever arrives after that.
            await (sayingGoodbye ? leaver.SendAsync("""{"protocol_version":"0.3","message_type":"GOODBYE"}""") : leaver.SendCloseAsync());
            await UntilOnlineAsync(relay, "leaver", online: false);
        }
        await sender.BroadcastAsync(Json.Of("after"), "after");

        await using var back = await V03Async(relay, "leaver");
        var got = new List<string?>();
        for (var i = 0; i < 4; i++)
        {
            got.Add((await back.NextV03MessageAsync()).Str("message_id"));
        }
        Assert.That(got, Is.EqualTo(new[] { "m0", "m1", "m2", "after" }));
    }

    [Test]
    public async Task A_client_that_reads_to_the_end_and_says_goodbye_is_sent_nothing_again()
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        await using (var reader = await V03Async(relay, "reader"))
        {
            for (var i = 0; i < 3; i++)
            {
                await sender.BroadcastAsync(Json.Of($"m{i}"), $"m{i}");
                await reader.NextV03MessageAsync();
            }
            await reader.SendAsync("""{"protocol_version":"0.3","message_type":"GOODBYE"}""");
            Assert.That(await reader.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.NormalClosure));
        }
        await UntilOnlineAsync(relay, "reader", online: false);
        await sender.BroadcastAsync(Json.Of("after"), "after");

        await using var back = await V03Async(relay, "reader");
        Assert.That((await back.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("after"), "the last ping before the close confirmed what it read");
    }

    [Test]
    public async Task What_a_client_reads_of_a_long_replay_is_confirmed_before_the_replay_is_all_read()
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        await KnownAndAwayAsync(relay, "reader");
        var first = 0L;
        for (var i = 0; i < 400; i++)
        {
            var ack = await sender.BroadcastAsync(Json.Of($"m{i}"), $"m{i}");
            first = i == 0 ? ack.Seq : first;
        }

        using var socket = await HelloOnPlainSocketAsync(relay, "reader");
        // Reads half the replay, answering the pings among it as any WebSocket does, then reads no more.
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Wait.Default);
        for (var read = 0; read < 200;)
        {
            var frame = await socket.ReceiveAsync(buffer, timeout.Token);
            read += Encoding.UTF8.GetString(buffer, 0, frame.Count).Contains("\"sender\":\"sender\"") ? 1 : 0;
        }
        var session = relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions().Single(s => s.AgentId == "reader");

        await Wait.UntilAsync(() => session.ConfirmedSeq >= first + 31, "part of what it read is confirmed");
        Assert.That(session.ConfirmedSeq, Is.LessThan(first + 200), "nothing it did not read is confirmed");
        socket.Abort();
    }

    [Test]
    public async Task A_client_that_closes_in_the_middle_of_its_replay_is_not_sent_the_rest()
    {
        await using var relay = await TestRelay.StartAsync(sendBufferBytes: SlowReaderBufferBytes);
        var sender = await relay.ConnectAsync("sender");
        await KnownAndAwayAsync(relay, "reader");
        // 18 MB: more than the socket buffers between the relay and the client can hold.
        const int Stored = 300;
        var filler = new string('x', 60_000);
        for (var i = 0; i < Stored; i++)
        {
            await sender.BroadcastAsync(Json.Of(filler), $"m{i}");
        }

        using var socket = await HelloOnPlainSocketAsync(relay, "reader");
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Wait.Default);
        var received = 0;
        var closeSent = false;
        while (true)
        {
            var frame = await socket.ReceiveAsync(buffer, timeout.Token);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
            received += frame.EndOfMessage && frame.Count > 0 ? 1 : 0;
            if (received == 20 && !closeSent)
            {
                // Leaves, and reads on until the relay's close, as a client finishing its close handshake does.
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                closeSent = true;
            }
        }

        Assert.That(received, Is.LessThan(Stored), "the relay stopped the replay once the client had left");
    }

    [Test]
    public async Task After_a_graceful_restart_an_agent_is_sent_nothing_it_read_before_the_shutdown()
    {
        using var data = new TempDirectory();
        var database = data.File("relay.db");
        await using (var first = await TestRelay.StartAsync(databasePath: database))
        {
            var sender = await first.ConnectAsync("sender");
            await using var reader = await V03Async(first, "reader");
            for (var i = 0; i < 20; i++)
            {
                await sender.BroadcastAsync(Json.Of($"m{i}"), $"m{i}");
            }
            for (var i = 0; i < 20; i++)
            {
                Assert.That((await reader.NextV03MessageAsync()).Str("message_id"), Is.EqualTo($"m{i}"));
            }
            // Well within the ping interval of the first message's ping: only the last ping confirms the rest.
            await first.App.StopAsync();
            Assert.That(await reader.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
        }

        await using var second = await TestRelay.StartAsync(databasePath: database);
        await using var back = await V03Async(second, "reader");
        var sender2 = await second.ConnectAsync("sender");
        await sender2.BroadcastAsync(Json.Of("after"), "after");
        Assert.That((await back.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("after"), "a message it had read came again");
    }

    [Test]
    public async Task A_replay_truncated_notice_the_client_never_read_is_sent_again()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:MaxReplayMessages"] = "3" });
        var sender = await relay.ConnectAsync("sender");
        await using (var first = await V03Async(relay, "behind"))
        {
            await first.SendAsync("""{"protocol_version":"0.3","message_type":"GOODBYE"}""");
            await UntilOnlineAsync(relay, "behind", online: false);
        }
        for (var i = 0; i < 10; i++)
        {
            await sender.BroadcastAsync(Json.Of($"m{i}"), $"m{i}");
        }
        await using (var stale = await ConnectWithoutReadingAsync(relay, "behind"))
        {
            var session = relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions().Single(s => s.AgentId == "behind");
            await Wait.UntilAsync(() => session.LastDeliveredSeq > 0, "the truncated replay is written to it");
            stale.Socket.Abort();
        }
        await UntilOnlineAsync(relay, "behind", online: false);

        await using var back = await V03Async(relay, "behind");
        var notice = await back.NextWhereAsync(f => f.ErrorCode() is not null, "the notice");
        Assert.That(notice.ErrorCode(), Is.EqualTo(ErrorCodes.ReplayTruncated));
    }

    [Test]
    public async Task A_new_agents_plan_first_moves_its_cursor_to_just_before_the_first_direct_waiting_for_it()
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        await sender.BroadcastAsync(Json.Of("before it came"), "old");
        var direct = await sender.SendAsync(new SendRequest { To = "newbie", Content = Json.Of("waiting") });
        var head = (await sender.BroadcastAsync(Json.Of("also before"), "old-2")).Seq;
        var planner = relay.Services.GetRequiredService<ReplayPlanner>();

        var newbie = new BacklogRange("newbie", 0, head, head);
        var nobody = new BacklogRange("nobody", 0, head, head);
        var withDirect = await planner.PlanAsync(new Registration([], newbie, false, newbie)).FirstAsync();
        var without = await planner.PlanAsync(new Registration([], nobody, false, nobody)).FirstAsync();
        Assert.Multiple(() =>
        {
            Assert.That(withDirect, Is.EqualTo(new CaughtUpOut(direct.Seq - 1)), "before anything is written, so an early break keeps it");
            Assert.That(without, Is.EqualTo(new CaughtUpOut(head)));
        });
    }

    [Test]
    public async Task A_ping_unanswered_too_long_is_replaced_and_a_late_pong_to_it_still_confirms_what_it_covered()
    {
        var confirmation = new DeliveryConfirmation();
        var lost = confirmation.TryStartPing(written: 5);
        Assert.That(lost, Is.Not.Null);
        Assert.That(confirmation.TryStartPing(written: 6), Is.Null, "one ping is out at a time");

        ulong? replacement = null;
        await Wait.UntilAsync(() => (replacement = confirmation.TryStartPing(written: 6)) is not null,
            "a new ping once the first has waited too long");
        confirmation.OnPong(lost!.Value);
        Assert.That(confirmation.Confirmed, Is.EqualTo(5), "the client did read everything before the replaced ping");
        confirmation.OnPong(replacement!.Value);
        Assert.That(confirmation.Confirmed, Is.EqualTo(6));
    }

    [Test]
    public void The_last_ping_goes_out_at_once_beside_one_still_out_and_only_when_something_is_unconfirmed()
    {
        var confirmation = new DeliveryConfirmation();
        var first = confirmation.TryStartPing(written: 5);
        Assert.That(confirmation.TryStartPing(written: 8), Is.Null, "within the interval, with a ping out");

        var last = confirmation.StartFinalPing(written: 8);
        Assert.That(last, Is.Not.Null.And.Not.EqualTo(first));
        confirmation.OnPong(first!.Value);
        Assert.That(confirmation.Confirmed, Is.EqualTo(5), "a pong on its way to the replaced ping still counts");
        confirmation.OnPong(last!.Value);
        Assert.That(confirmation.Confirmed, Is.EqualTo(8));
        Assert.That(confirmation.StartFinalPing(written: 8), Is.Null, "everything is confirmed");
    }

    [Test]
    public void A_pong_confirms_only_the_notices_written_before_its_ping()
    {
        var confirmation = new DeliveryConfirmation();
        confirmation.NoticeWritten();
        var ping = confirmation.StartFinalPing(written: 0);
        Assert.That(ping, Is.Not.Null, "an unread notice wants a ping");
        confirmation.NoticeWritten();
        confirmation.OnPong(ping!.Value);

        confirmation.SkipTo(written: 0, seq: 10);
        Assert.Multiple(() =>
        {
            Assert.That(confirmation.NeedsPing(written: 0), Is.True, "the second notice came after the ping");
            Assert.That(confirmation.Confirmed, Is.Zero, "nothing is skipped while a notice is unread");
        });
    }

    private static async Task UpgradeAsync(NetworkStream stream, Uri server)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET / HTTP/1.1\r\nHost: {server.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one);
            head.Append((char)one[0]);
        }
        Assert.That(head.ToString(), Does.StartWith("HTTP/1.1 101"));
    }

    /// <summary>A client's text frame (RFC 6455 §5.2: masked), for payloads under 64 KiB.</summary>
    private static byte[] MaskedText(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var length = payload.Length < 126 ? new[] { (byte)(0x80 | payload.Length) } : new byte[] { 0x80 | 126, (byte)(payload.Length >> 8), (byte)payload.Length };
        var mask = RandomNumberGenerator.GetBytes(4);
        return [0x81, .. length, .. mask, .. payload.Select((b, i) => (byte)(b ^ mask[i % 4]))];
    }

    private static async Task DrainAsync(WebSocket client)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while ((await client.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Aborted at the end of the test.
        }
    }
}
