using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

public sealed class V03DialectTests
{
    [Test]
    public async Task A_lone_client_gets_exactly_welcome_pong_ack_history_in_that_order()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await RawSocketClient.ConnectAsync(relay);

        // All five frames back to back: the replies must still come in request order.
        await client.SendAsync(Hello("agent_001"));
        await client.SendAsync("""{"protocol_version":"0.3","message_type":"PING"}""");
        await client.SendAsync(Message("agent_001", "msg-123", "Hello world"));
        await client.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY","since_timestamp":"2020-01-01T00:00:00Z"}""");
        await client.SendAsync("""{"protocol_version":"0.3","message_type":"GOODBYE"}""");

        Assert.That(await client.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.NormalClosure));
        var frames = new List<System.Text.Json.JsonElement>();
        await foreach (var frame in client.Frames.ReadAllAsync())
        {
            frames.Add(frame);
        }
        Assert.That(frames.Select(f => f.Str("message_type")), Is.EqualTo(new[] { "WELCOME", "PONG", "ACK", "HISTORY_RESPONSE" }));
        var (welcome, ack, history) = (frames[0], frames[2], frames[3]);
        var capabilities = welcome.GetProperty("server_capabilities");
        Assert.Multiple(() =>
        {
            Assert.That(frames.All(f => f.Str("protocol_version") == "0.3"), Is.True);
            Assert.That(welcome.Str("session_id"), Is.Not.Empty);
            foreach (var name in new[] { "relay", "persistence", "history", "message_queue", "direct" })
            {
                Assert.That(capabilities.GetProperty(name).GetBoolean(), Is.True, name);
            }
            Assert.That(welcome.Long("heartbeat_interval"), Is.EqualTo(30));
            Assert.That(welcome.Long("connected_agents"), Is.EqualTo(1));
            Assert.That(ack.Str("message_id"), Is.EqualTo("msg-123"));
            Assert.That(ack.Long("seq"), Is.GreaterThan(0));
            Assert.That(ack.GetProperty("duplicate").GetBoolean(), Is.False);
            var stored = history.GetProperty("messages").EnumerateArray().Single();
            Assert.That(stored.Str("message_id"), Is.EqualTo("msg-123"));
            Assert.That(stored.Str("sender"), Is.EqualTo("agent_001"));
            Assert.That(stored.Str("content"), Is.EqualTo("Hello world"));
            Assert.That(stored.Str("timestamp"), Is.EqualTo("2026-02-19T04:00:00Z"));
            Assert.That(stored.Long("seq"), Is.EqualTo(ack.Long("seq")));
        });
    }

    [Test]
    public async Task A_message_is_acked_once_committed_relayed_to_the_others_and_a_resend_is_marked_duplicate()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");
        await using var bob = await V03Async(relay, "bob");

        await alice.SendAsync(Message("alice", "m1", "hi bob"));
        var ack = await alice.NextOfAsync("message_type", "ACK");
        await using (var db = relay.OpenDatabase())
        {
            await using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM messages WHERE seq = $seq AND message_id = 'm1' AND from_agent = 'alice'";
            cmd.Parameters.AddWithValue("$seq", ack.Long("seq"));
            Assert.That(await cmd.ExecuteScalarAsync(), Is.EqualTo(1L), "the ACKed row must already be committed");
        }
        var atBob = await bob.NextV03MessageAsync();
        Assert.Multiple(() =>
        {
            Assert.That(atBob.Str("protocol_version"), Is.EqualTo("0.3"));
            Assert.That(atBob.Str("message_id"), Is.EqualTo("m1"));
            Assert.That(atBob.Str("sender"), Is.EqualTo("alice"));
            Assert.That(atBob.Str("content"), Is.EqualTo("hi bob"));
            Assert.That(atBob.Str("kind"), Is.EqualTo("message"));
            Assert.That(atBob.Long("seq"), Is.EqualTo(ack.Long("seq")));
        });

        await alice.SendAsync(Message("alice", "m1", "hi bob"));
        var again = await alice.NextOfAsync("message_type", "ACK");
        await alice.SendAsync(Message("alice", "m2", "marker"));
        Assert.Multiple(async () =>
        {
            Assert.That(again.GetProperty("duplicate").GetBoolean(), Is.True);
            Assert.That(again.Long("seq"), Is.EqualTo(ack.Long("seq")));
            Assert.That((await bob.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("m2"), "the duplicate is not delivered again");
        });
    }

    [Test]
    public async Task A_recipient_makes_a_message_direct()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");
        await using var bob = await V03Async(relay, "bob");
        await using var carol = await V03Async(relay, "carol");

        await alice.SendAsync(Message("alice", "d1", "only bob", ""","recipient":"bob" """));
        await alice.SendAsync(Message("alice", "b1", "everyone"));

        var bobGot = await bob.NextV03MessageAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(bobGot.Str("message_id"), Is.EqualTo("d1"));
            Assert.That(bobGot.Str("recipient"), Is.EqualTo("bob"));
            Assert.That((await bob.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("b1"));
            Assert.That((await carol.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("b1"), "carol must not see the direct to bob");
        });
    }

    [Test]
    public async Task History_honours_since_seq_since_timestamp_and_limit()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");
        var seqs = new List<long>();
        for (var i = 1; i <= 5; i++)
        {
            await alice.SendAsync(Message("alice", $"h{i}", $"n{i}"));
            seqs.Add((await alice.NextOfAsync("message_type", "ACK")).Long("seq"));
        }

        async Task<string[]> HistoryAsync(string bounds)
        {
            await alice.SendAsync($$"""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY"{{bounds}}}""");
            var response = await alice.NextOfAsync("message_type", "HISTORY_RESPONSE");
            return [.. response.GetProperty("messages").EnumerateArray().Select(m => m.Str("message_id")!)];
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await HistoryAsync($""","since_seq":{seqs[1]}"""), Is.EqualTo(new[] { "h3", "h4", "h5" }));
            Assert.That(await HistoryAsync($""","since_seq":{seqs[0]},"limit":2"""), Is.EqualTo(new[] { "h2", "h3" }));
            Assert.That(await HistoryAsync(""","limit":2"""), Is.EqualTo(new[] { "h4", "h5" }), "no bound: the newest, ascending");
            Assert.That(await HistoryAsync(""","since_timestamp":"2000-01-01T00:00:00Z" """), Has.Length.EqualTo(5));
            Assert.That(await HistoryAsync(""","since_timestamp":"2999-01-01T00:00:00Z" """), Is.Empty,
                "the bound is the server's clock, not the client timestamps in the messages");
        });
    }

    [Test]
    public async Task Others_joining_and_leaving_arrive_as_messages_from_relay_server()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");

        var bob = await V03Async(relay, "bob");
        var joined = await alice.NextOfAsync("sender", "relay_server");
        await bob.CloseAsync();
        await bob.DisposeAsync();
        var left = await alice.NextOfAsync("sender", "relay_server");

        Assert.Multiple(() =>
        {
            Assert.That(joined.Str("message_type"), Is.EqualTo("MESSAGE"));
            Assert.That(joined.Str("protocol_version"), Is.EqualTo("0.3"));
            Assert.That(joined.Str("content"), Is.EqualTo("bob joined"));
            Assert.That(joined.Str("agent"), Is.EqualTo("bob"));
            Assert.That(joined.Str("status"), Is.EqualTo("online"));
            Assert.That(left.Str("content"), Is.EqualTo("bob left"));
            Assert.That(left.Str("status"), Is.EqualTo("offline"));
        });
    }

    [Test]
    public async Task The_relays_own_timestamps_all_have_one_format_to_the_millisecond()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");
        var format = new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$");

        await using var bob = await V03Async(relay, "bob");
        var joined = await alice.NextOfAsync("sender", "relay_server");
        await alice.SendAsync("""{"protocol_version":"0.3","message_type":"PING"}""");
        var pong = await alice.NextOfAsync("message_type", "PONG");
        await alice.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"untimed","sender":"alice","content":"x"}""");
        var ack = await alice.NextOfAsync("message_type", "ACK");
        var relayed = await bob.NextV03MessageAsync();

        Assert.That(new[] { joined.Str("timestamp"), pong.Str("timestamp"), ack.Str("timestamp"), relayed.Str("timestamp"), relayed.Str("received_at") },
            Has.All.Matches<string>(format.IsMatch));
    }

    [Test]
    public async Task A_timestamp_sent_as_a_number_reaches_v03_agents_as_that_number()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");
        await using var bob = await V03Async(relay, "bob");

        await alice.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"numeric","sender":"alice","content":"x","timestamp":1771473600.25}""");

        Assert.That((await bob.NextV03MessageAsync()).GetProperty("timestamp").GetRawText(), Is.EqualTo("1771473600.25"));
    }

    [Test]
    public async Task A_metadata_change_reaches_v03_agents_as_a_notice_of_its_own()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");
        await using var mesh = await MeshAsync(relay, "peer");
        var joined = await alice.NextOfAsync("sender", "relay_server");

        await mesh.SendAsync("""{"type":"presence","from":"peer","data":{"name":"two"}}""");
        var changed = await alice.NextOfAsync("sender", "relay_server");

        Assert.That(changed.GetProperty("metadata").GetProperty("name").GetString(), Is.EqualTo("two"));
        Assert.That(changed.Str("message_id"), Is.Not.EqualTo(joined.Str("message_id")), "a client that drops repeated ids still gets it");
    }

    [Test]
    public async Task An_integer_message_id_is_its_decimal_text_and_one_with_a_fraction_or_exponent_is_refused()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");
        var answers = new List<JsonElement>();
        foreach (var id in new[] { "0", "-0", "100", "\"100\"", "1.0", "1e2", "9223372036854775808" })
        {
            await alice.SendAsync($$"""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":{{id}},"content":"x"}""");
            answers.Add(await alice.NextWhereAsync(f => f.Str("message_type") is "ACK" or "ERROR", "the answer"));
        }

        Assert.That(answers.Select(a => a.Str("message_type") == "ACK" ? $"{a.Str("message_id")} {a.GetProperty("duplicate")}" : a.ErrorCode()),
            Is.EqualTo(new[] { "0 False", "0 True", "100 False", "100 True", "INVALID_MESSAGE", "INVALID_MESSAGE", "INVALID_MESSAGE" }));
    }

    [Test]
    public async Task An_integer_message_id_past_64_bits_is_refused_saying_to_send_it_as_a_string()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");

        // An unsigned 64-bit id (a hash, a snowflake from another system) is an integer: "must be an integer" would not help.
        await alice.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":12345678901234567890,"content":"x"}""");
        var refused = await alice.NextWhereAsync(f => f.Str("message_type") is "ACK" or "ERROR", "the answer");

        Assert.That(refused.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
        Assert.That(refused.Str("error_message"), Does.Contain("64").And.Contain("as a string"));
    }

    [Test]
    public async Task Presence_notices_within_one_millisecond_still_have_message_ids_of_their_own()
    {
        // The relay's clock stands still: every change below happens in the same millisecond.
        await using var relay = await TestRelay.StartAsync(clock: new SettableClock(DateTimeOffset.UtcNow));
        await using var alice = await V03Async(relay, "alice");
        var notices = new List<JsonElement>();

        var peer = await MeshAsync(relay, "peer");
        notices.Add(await alice.NextOfAsync("sender", "relay_server"));
        await peer.SendAsync("""{"type":"presence","from":"peer","data":{"name":"two"}}""");
        notices.Add(await alice.NextOfAsync("sender", "relay_server"));
        await peer.CloseAsync();
        await peer.DisposeAsync();
        notices.Add(await alice.NextOfAsync("sender", "relay_server"));
        await using var back = await MeshAsync(relay, "peer");
        notices.Add(await alice.NextOfAsync("sender", "relay_server"));

        Assert.That(notices.Select(n => n.Str("status")), Is.EqualTo(new[] { "online", "online", "offline", "online" }));
        Assert.That(notices.Select(n => n.Str("message_id")), Is.Unique, "a client that drops repeated ids would miss a change");
    }

    [Test]
    public async Task The_ws_path_takes_upgrades_too_while_plain_gets_go_to_the_rest_of_the_app()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await RawSocketClient.ConnectAsync(relay, "/ws");
        await client.SendAsync(Hello("pathy"));
        Assert.That((await client.NextAsync()).Str("message_type"), Is.EqualTo("WELCOME"));

        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        Assert.Multiple(async () =>
        {
            Assert.That((await http.GetAsync("/ws")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await http.GetAsync("/")).StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.NotFound),
                "a plain GET of / is not the socket door's business");
            Assert.That((await http.GetAsync("/healthz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task A_replaced_connection_is_told_why_and_closed_while_traffic_flows_and_the_new_one_carries_on()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var first = await V03Async(relay, "twin");
        await using var sender = await V03Async(relay, "chatter");

        // Traffic for the first connection is still being written when the takeover cuts its session short.
        for (var i = 0; i < 200; i++)
        {
            await sender.SendAsync(Message("chatter", $"m{i}", "busy"));
        }
        await using var second = await V03Async(relay, "twin");

        var replaced = await first.NextWhereAsync(f => f.Str("message_type") == "ERROR", "the replaced connection's ERROR");
        Assert.That(replaced.ErrorCode(), Is.EqualTo(ErrorCodes.SessionReplaced));
        Assert.That(await first.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.NormalClosure));
        await sender.SendAsync(Message("chatter", "after", "still here"));
        Assert.That((await second.NextWhereAsync(f => f.Str("message_id") == "after", "the message sent after the takeover")).Str("content"),
            Is.EqualTo("still here"));
    }

    [Test]
    public async Task A_second_hello_or_an_unreadable_since_timestamp_gets_INVALID_MESSAGE_and_the_connection_lives_on()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");

        await alice.SendAsync(Hello("alice"));
        var secondHello = await alice.NextAsync("the answer to a second HELLO");
        await alice.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY","since_timestamp":"yesterday"}""");
        var badBound = await alice.NextAsync("the answer to an unreadable since_timestamp");
        await alice.SendAsync(Message("alice", "still-here", "after the refusals"));
        var ack = await alice.NextAsync("the ACK after the refusals");

        Assert.Multiple(() =>
        {
            Assert.That(secondHello.ErrorCode(), Is.EqualTo(ErrorCodes.InvalidMessage), secondHello.ToString());
            Assert.That(secondHello.GetProperty("recoverable").GetBoolean(), Is.True);
            Assert.That(badBound.ErrorCode(), Is.EqualTo(ErrorCodes.InvalidMessage), badBound.ToString());
            Assert.That(badBound.GetProperty("recoverable").GetBoolean(), Is.True);
            Assert.That(ack.Str("message_type"), Is.EqualTo("ACK"), ack.ToString());
            Assert.That(ack.Str("message_id"), Is.EqualTo("still-here"));
        });
    }

    [Test]
    public async Task Welcome_tells_the_heartbeat_interval_the_relay_is_set_to()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Sessions:HeartbeatIntervalSeconds"] = "7" });
        await using var client = await RawSocketClient.ConnectAsync(relay);

        await client.SendAsync(Hello("agent_001"));

        Assert.That((await client.NextAsync("WELCOME")).Long("heartbeat_interval"), Is.EqualTo(7));
    }
}
