using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SignalRelay.Server.Core;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// Past its burst a connection's WebSocket frames (pings and fragments too), hub messages or HTTP requests are read only as fast as <c>Relay:Limits:FramesPerSecond</c>
/// allows: a flood slows down instead of taking the relay's CPU, nothing it sent is lost or reordered, and other
/// connections do not wait for it.
/// </summary>
public sealed class FramePacingTests
{
    private const int Frames = 40;

    // Ten frames at once, then ten a second: the fortieth cannot be read before three seconds have passed.
    private static readonly TimeSpan Slowest = TimeSpan.FromSeconds(2.5);

    private static Task<TestRelay> StartAsync() => TestRelay.StartAsync(new Dictionary<string, string?>
    {
        ["Relay:Limits:FramesPerSecond"] = "10",
        ["Relay:Limits:FrameBurst"] = "10",
    });

    [Test]
    public async Task A_raw_connection_past_its_burst_is_read_at_its_rate_and_loses_nothing_while_others_carry_on()
    {
        await using var relay = await StartAsync();
        await using var flooder = await V03Async(relay, "flooder");
        await using var other = await V03Async(relay, "other");
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < Frames; i++)
        {
            await flooder.SendAsync(i % 2 == 0 ? Message("flooder", $"m{i}", "flood") : """{"protocol_version":"0.3","message_type":"PING"}""");
        }
        await other.SendAsync("""{"protocol_version":"0.3","message_type":"PING"}""");
        var otherPong = await other.NextOfAsync("message_type", "PONG");
        var pongedAt = clock.Elapsed;

        var replies = new List<JsonElement>();
        for (var i = 0; i < Frames; i++)
        {
            replies.Add(await flooder.NextWhereAsync(f => f.Str("message_type") is "ACK" or "PONG" or "ERROR", $"reply {i}"));
        }
        var lastReplyAt = clock.Elapsed;

        Assert.Multiple(() =>
        {
            Assert.That(replies.Select(r => r.Str("message_type")),
                Is.EqualTo(Enumerable.Range(0, Frames).Select(i => i % 2 == 0 ? "ACK" : "PONG")), "every frame answered, in order, none refused");
            Assert.That(replies.Where(r => r.Str("message_type") == "ACK").Select(r => r.Str("message_id")),
                Is.EqualTo(Enumerable.Range(0, Frames).Where(i => i % 2 == 0).Select(i => $"m{i}")));
            Assert.That(lastReplyAt, Is.GreaterThanOrEqualTo(Slowest), "the flood was read at ten frames a second");
            Assert.That(pongedAt, Is.LessThan(lastReplyAt), "another connection is answered while the flood waits");
        });
    }

    [Test]
    public async Task Hub_calls_past_the_burst_wait_their_turn_and_run_in_the_order_they_came()
    {
        await using var relay = await StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        var clock = Stopwatch.StartNew();

        var sends = Enumerable.Range(0, Frames).Select(i => alice.BroadcastAsync(Json.Of($"{i}"), $"b{i}")).ToList();
        var acks = await Task.WhenAll(sends).WaitAsync(Wait.Default);
        var sentAt = clock.Elapsed;
        var received = await Wait.NextAsync(bob.Messages, Frames);

        Assert.Multiple(() =>
        {
            Assert.That(acks.Select(a => a.Seq), Is.Ordered.Ascending, "each call started after the one before it");
            Assert.That(received.Select(e => e.Id), Is.EqualTo(Enumerable.Range(0, Frames).Select(i => $"b{i}")));
            Assert.That(sentAt, Is.GreaterThanOrEqualTo(Slowest), "the calls ran at ten a second");
        });
    }

    [Test]
    public async Task Every_hub_message_counts_so_a_call_behind_a_frame_of_pings_and_stray_stream_items_waits_for_them()
    {
        await using var relay = await StartAsync();
        await using var wire = await HubWire.ConnectAsync(relay, "flooder");
        var clock = Stopwatch.StartNew();

        // With the handshake and the call, the call is the connection's forty-first message.
        await wire.SendFrameAsync([
            .. Enumerable.Repeat("""{"type":6}""", Frames / 2),
            .. Enumerable.Repeat("""{"type":2,"invocationId":"no-such-stream","item":1}""", Frames / 2 - 1),
        ]);
        var error = await wire.InvokeAsync("Heartbeat", "");
        var answeredAt = clock.Elapsed;

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.Null);
            Assert.That(answeredAt, Is.GreaterThanOrEqualTo(Slowest), "the pings and stream items were paid for first");
        });
    }

    [Test]
    public async Task A_websocket_over_http2_is_paced_frame_by_frame_too()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:FramesPerSecond"] = "10",
            ["Relay:Limits:FrameBurst"] = "10",
            ["Kestrel:EndpointDefaults:Protocols"] = "Http2",
        });
        await using var client = await RawSocketClient.ConnectOverHttp2Async(relay.WebSocketUri("/"));
        var clock = Stopwatch.StartNew();
        // Each WebSocket frame comes in an HTTP/2 DATA frame, and both are paid for: about 45 frames, read over 3.5 s.
        // Were only the HTTP/2 frames paid for, about 25 would be, read within 1.5 s.
        const int sends = Frames / 2;

        await client.SendAsync("""{"protocol_version":"0.3","message_type":"HELLO","sender":"over-h2"}""");
        for (var i = 1; i < sends; i++)
        {
            await client.SendAsync("""{"protocol_version":"0.3","message_type":"PING"}""");
        }
        for (var i = 1; i < sends; i++)
        {
            await client.NextOfAsync("message_type", "PONG");
        }

        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(Slowest), "the WebSocket frames were read at ten a second too");
    }

    [Test]
    public async Task A_stopping_relay_does_not_wait_for_a_websocket_client_that_owes_its_budget()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:FramesPerSecond"] = "10",
            ["Relay:Limits:FrameBurst"] = "10",
            ["Relay:Shutdown:TimeoutSeconds"] = "30",
            ["Relay:Sessions:HandshakeTimeoutSeconds"] = "60",
            // Stopping refuses the handshake and waits this long for the client's close, which is queued behind its pings.
            ["Relay:RawSockets:CloseTimeoutSeconds"] = "20",
        });
        // No HELLO, so no session for the relay to close when it stops.
        using var client = await UpgradedTcp.ConnectAsync(relay, "/ws");
        // Two hundred seconds of pings at ten a second.
        await client.SendAsync(Enumerable.Repeat(UpgradedTcp.Frame(UpgradedTcp.Ping, final: true, []), 2000));
        var clock = Stopwatch.StartNew();

        await relay.App.StopAsync();

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "stopped without waiting for the shutdown timeout");
    }

    [TestCase("/ws")]
    [TestCase(HubProtocol.Path + "?agent=pinger")]
    public async Task WebSocket_pings_count_as_frames_so_a_flood_of_them_is_answered_at_the_budgets_pace(string path)
    {
        await using var relay = await StartAsync();
        using var client = await UpgradedTcp.ConnectAsync(relay, path);
        var clock = Stopwatch.StartNew();

        await client.SendAsync(Enumerable.Range(0, Frames).Select(_ => UpgradedTcp.Frame(UpgradedTcp.Ping, final: true, [])));
        var answers = new List<byte>();
        for (var i = 0; i < Frames; i++)
        {
            answers.Add((await client.NextFrameAsync()).Opcode);
        }

        Assert.Multiple(() =>
        {
            Assert.That(answers, Is.All.EqualTo(UpgradedTcp.Pong), "every ping answered");
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(Slowest), "the pings were read at ten a second");
        });
    }

    [Test]
    public async Task A_connection_that_sat_idle_gets_its_burst_once_not_again_for_the_time_it_idled()
    {
        await using var relay = await StartAsync();
        using var client = await UpgradedTcp.ConnectAsync(relay, "/ws");
        // Idling is the condition under test: a bucket that counted this second as refill would let through ten more.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var clock = Stopwatch.StartNew();

        await client.SendAsync(Enumerable.Range(0, Frames).Select(_ => UpgradedTcp.Frame(UpgradedTcp.Ping, final: true, [])));
        for (var i = 0; i < Frames; i++)
        {
            await client.NextFrameAsync();
        }

        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(Slowest), "the burst, then ten a second: no second burst for the idle time");
    }

    // A v0.3 HELLO, and the hub's handshake padded to exactly one byte a fragment (40 bytes), so that its end, which the
    // answer waits for, comes in the last one.
    [TestCase("/ws", """{"protocol_version":"0.3","message_type":"HELLO","sender":"dripper"}""", "WELCOME",
        TestName = "A v0.3 HELLO dripped in fragments pays for each, so its WELCOME waits for them")]
    [TestCase(HubProtocol.Path + "?agent=dripper", "{\"protocol\":\"json\",        \"version\":1}\u001e", "{}",
        TestName = "A hub handshake dripped in fragments pays for each, so its answer waits for them")]
    public async Task A_message_dripped_in_fragments_pays_for_each_so_its_answer_waits_for_them(string path, string message, string answer)
    {
        await using var relay = await StartAsync();
        using var client = await UpgradedTcp.ConnectAsync(relay, path);
        var clock = Stopwatch.StartNew();

        await client.SendAsync(UpgradedTcp.Fragments(message, Frames));
        var (opcode, payload) = await client.NextFrameAsync();

        Assert.Multiple(() =>
        {
            Assert.That(opcode, Is.EqualTo(UpgradedTcp.Text));
            Assert.That(Encoding.UTF8.GetString(payload), Does.Contain(answer));
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(Slowest), "the fragments were read at ten a second");
        });
    }

    [Test]
    public async Task A_hub_connection_that_closes_while_it_waits_for_its_budget_is_let_go_at_once()
    {
        await using var relay = await StartAsync();
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        var wire = await HubWire.ConnectAsync(relay, "flooder");
        await Wait.UntilAsync(() => registry.IsOnline("flooder"), "flooder is online");

        // A hundred seconds of budget.
        await wire.SendFrameAsync(Enumerable.Repeat("""{"type":6}""", 1000));
        await wire.DisposeAsync();

        await Wait.UntilAsync(() => !registry.IsOnline("flooder"), "the relay to let the closed connection go", TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task Http_requests_on_one_connection_past_its_burst_wait_their_turn_while_other_connections_are_answered()
    {
        await using var relay = await StartAsync();
        using var oneConnection = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 })
        {
            BaseAddress = relay.BaseUri,
            Timeout = Wait.Default,
        };
        using var other = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };
        var clock = Stopwatch.StartNew();

        var statuses = new ConcurrentQueue<HttpStatusCode>();
        var flood = Task.Run(async () =>
        {
            for (var i = 0; i < Frames; i++)
            {
                using var response = await oneConnection.GetAsync("/healthz");
                statuses.Enqueue(response.StatusCode);
            }
            return clock.Elapsed;
        });
        await Wait.UntilAsync(() => statuses.Count > 12, "the flood to pass its burst");
        using var otherAnswer = await other.GetAsync("/healthz");
        var otherAnsweredAt = clock.Elapsed;
        var floodEndedAt = await flood.WaitAsync(Wait.Default);

        Assert.Multiple(() =>
        {
            Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.OK), "paced, not refused");
            Assert.That(floodEndedAt, Is.GreaterThanOrEqualTo(Slowest), "the requests ran at ten a second");
            Assert.That(otherAnswer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(otherAnsweredAt, Is.LessThan(floodEndedAt), "another connection is answered while the flood waits");
        });
    }

    [Test]
    public async Task The_relay_says_every_ten_seconds_how_many_connections_it_paced_counting_each_once()
    {
        using var data = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"), new Dictionary<string, string?>
        {
            ["Relay__Limits__FramesPerSecond"] = "10",
            ["Relay__Limits__FrameBurst"] = "10",
        });
        await using var flooder = await V03Async(relay.RawDoorUri, "flooder");
        await using var calm = await V03Async(relay.RawDoorUri, "calm");
        const string ping = """{"protocol_version":"0.3","message_type":"PING"}""";

        for (var i = 0; i < 2 * Frames; i++)
        {
            await flooder.SendAsync(ping);
        }
        await calm.SendAsync(ping);
        await calm.NextOfAsync("message_type", "PONG");
        for (var i = 0; i < 2 * Frames; i++)
        {
            await flooder.NextOfAsync("message_type", "PONG");
        }

        await Wait.UntilAsync(() => relay.Output.Contains("Paced 1 connection(s) in the last 10 s"),
            "the relay to report the connection it paced", TimeSpan.FromSeconds(30));
        Assert.That(Regex.Matches(relay.Output, @"Paced (\d+) connection").Select(m => m.Groups[1].Value), Is.All.EqualTo("1"),
            "the flooder counted once however many of its frames waited, the calm connection not at all: " + relay.Output);
    }
}
