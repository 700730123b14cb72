using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>Each kind of bad input gets a clear error or the right close code; the relay serves everyone else and loses nothing.</summary>
public sealed class BadInputTests
{
    private const string Ping = """{"protocol_version":"0.3","message_type":"PING"}""";

    [Test]
    public async Task Malformed_json_gets_MALFORMED_JSON_and_the_connection_lives_on()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var early = await RawSocketClient.ConnectAsync(relay);
        await using var client = await V03Async(relay, "alice");

        await early.SendAsync("""{"message_type": "HELLO", """);
        await client.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE",""");
        await client.SendAsync(Ping);

        var beforeHandshake = await early.NextAsync();
        var error = await client.NextAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(beforeHandshake.ErrorCode(), Is.EqualTo("MALFORMED_JSON"));
            Assert.That(beforeHandshake.Str("type"), Is.EqualTo("error"), "before the dialect is known the error reads in both");
            Assert.That(beforeHandshake.Str("message_type"), Is.EqualTo("ERROR"));
            Assert.That(error.Str("message_type"), Is.EqualTo("ERROR"));
            Assert.That(error.ErrorCode(), Is.EqualTo("MALFORMED_JSON"));
            Assert.That(error.GetProperty("recoverable").GetBoolean(), Is.True);
            Assert.That(error.Str("error_message"), Does.Contain("JSON"));
            Assert.That(error.Str("protocol_version"), Is.EqualTo("0.3"));
            Assert.That((await client.NextAsync()).Str("message_type"), Is.EqualTo("PONG"));
        });
    }

    [Test]
    public async Task A_binary_frame_gets_BINARY_NOT_SUPPORTED_and_the_connection_lives_on()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await MeshAsync(relay, "alpha");
        await using var peer = await MeshAsync(relay, "beta");

        await client.SendRawAsync([1, 2, 3], WebSocketMessageType.Binary, endOfMessage: true);
        await client.SendAsync("""{"type":"broadcast","data":"still here"}""");

        var error = await client.NextOfAsync("type", "error");
        Assert.Multiple(async () =>
        {
            Assert.That(error.Str("from"), Is.EqualTo("relay"));
            Assert.That(error.ErrorCode(), Is.EqualTo("BINARY_NOT_SUPPORTED"));
            Assert.That((await peer.NextMeshTrafficAsync()).GetProperty("data").GetString(), Is.EqualTo("still here"));
        });
    }

    [Test]
    public async Task A_text_frame_that_is_not_utf8_closes_that_connection_and_no_one_else_notices()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var broken = await V03Async(relay, "broken");
        await using var peer = await MeshAsync(relay, "peer");
        var watcher = await relay.ConnectAsync("watcher");

        await broken.SendRawAsync([(byte)'{', 0xFF, (byte)'}'], WebSocketMessageType.Text, endOfMessage: true);

        // The runtime's WebSocket sends 1007 and drops the connection at once; a client that has not read the close
        // frame by then loses it with the connection (seen under load), so either is the relay doing its part.
        Assert.That(await broken.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.InvalidPayloadData).Or.Null);
        await UntilOnlineAsync(relay, "broken", online: false);
        await peer.SendAsync("""{"type":"broadcast","id":"after","data":"still here"}""");
        var relayed = await Wait.NextAsync(watcher.Messages);
        Assert.That(relayed.Id, Is.EqualTo("after"));
    }

    [TestCase("[1,2,3]")]
    [TestCase("\"HELLO\"")]
    [TestCase("42")]
    public async Task Json_that_is_not_an_object_gets_INVALID_MESSAGE(string frame)
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await V03Async(relay, "alice");

        await client.SendAsync(frame);
        await client.SendAsync(Ping);

        Assert.Multiple(async () =>
        {
            var error = await client.NextAsync();
            Assert.That(error.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
            Assert.That(error.Str("error_message"), Does.Contain("object"));
            Assert.That((await client.NextAsync()).Str("message_type"), Is.EqualTo("PONG"));
        });
    }

    [Test]
    public async Task An_unknown_type_gets_UNKNOWN_TYPE_in_either_dialect()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var v = await V03Async(relay, "vee");
        await using var mesh = await MeshAsync(relay, "em");

        await v.SendAsync("""{"protocol_version":"0.3","message_type":"DANCE"}""");
        await mesh.SendAsync("""{"type":"dance","from":"em"}""");

        Assert.Multiple(async () =>
        {
            var v03Error = await v.NextOfAsync("message_type", "ERROR");
            Assert.That(v03Error.ErrorCode(), Is.EqualTo("UNKNOWN_TYPE"));
            Assert.That(v03Error.Str("error_message"), Does.Contain("DANCE"));
            Assert.That((await mesh.NextOfAsync("type", "error")).ErrorCode(), Is.EqualTo("UNKNOWN_TYPE"));
        });
    }

    [Test]
    public async Task A_missing_required_field_gets_MISSING_FIELD_naming_it_and_the_frames_id()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var v = await V03Async(relay, "vee");
        await using var mesh = await MeshAsync(relay, "em");
        await using var nameless = await RawSocketClient.ConnectAsync(relay);

        await v.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"no-content","sender":"vee"}""");
        await mesh.SendAsync("""{"type":"direct","from":"em","id":7,"data":"to whom?"}""");
        await nameless.SendAsync("""{"protocol_version":"0.3","message_type":"HELLO"}""");

        Assert.Multiple(async () =>
        {
            var noContent = await v.NextOfAsync("message_type", "ERROR");
            Assert.That(noContent.ErrorCode(), Is.EqualTo("MISSING_FIELD"));
            Assert.That(noContent.Str("error_message"), Does.Contain("content"));
            Assert.That(noContent.Str("message_id"), Is.EqualTo("no-content"));
            var noTo = await mesh.NextOfAsync("type", "error");
            Assert.That(noTo.ErrorCode(), Is.EqualTo("MISSING_FIELD"));
            Assert.That(noTo.GetProperty("data").Str("message"), Does.Contain("'to'"));
            Assert.That(noTo.GetProperty("data").Str("id"), Is.EqualTo("7"), "a numeric id is named as its text");
            var noSender = await nameless.NextAsync();
            Assert.That(noSender.ErrorCode(), Is.EqualTo("MISSING_FIELD"));
            Assert.That(noSender.Str("error_message"), Does.Contain("sender"));
            Assert.That(noSender.TryGetProperty("message_id", out _), Is.False, "a frame without an id is named by nothing");
        });
        Assert.That(relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>().OnlineCount, Is.EqualTo(2));
    }

    [Test]
    public async Task A_mesh_frame_refused_after_it_was_read_gets_an_error_naming_its_id()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var mesh = await MeshAsync(relay, "em");

        await mesh.SendAsync("""{"type":"broadcast","id":"m-bad","to":" padded ","data":1}""");

        var error = await mesh.NextOfAsync("type", "error");
        Assert.Multiple(() =>
        {
            Assert.That(error.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
            Assert.That(error.GetProperty("data").Str("message"), Does.Contain("Recipient"));
            Assert.That(error.GetProperty("data").Str("id"), Is.EqualTo("m-bad"));
        });
    }

    [TestCase("x\u202Enimda")] // a right-to-left override: shows as "xadmin"
    [TestCase("line\u2028info: forged")]
    [TestCase("zero\u200Bwidth")]
    [TestCase("alice\u034F")] // a combining grapheme joiner: draws nothing, so shows as "alice"
    [TestCase("al\u034Fice")]
    [TestCase("alice\uFE0F")] // a variation selector
    [TestCase("alice\u180B")] // a Mongolian free variation selector
    public async Task A_name_that_shows_as_something_else_is_refused_and_the_socket_closed(string name)
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await RawSocketClient.ConnectAsync(relay);

        await client.SendAsync(Hello(name));

        Assert.That((await client.NextAsync()).ErrorCode(), Is.EqualTo("INVALID_AGENT_ID"));
        Assert.That(await client.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        Assert.That(relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>().IsOnline(name), Is.False);
    }

    // Names made only of marks that draw nothing: a list of agents shows them as blanks that differ invisibly.
    private static readonly string[] InvisibleNames =
        ["\u3164", "\u115F", "\u1160", "\uFFA0", "\u3164\u3164", "\u115F\u1160", "\u034F", "\uFE0F"];

    [Test]
    public async Task A_name_made_only_of_hangul_fillers_or_other_invisible_marks_is_refused_at_every_door(
        [ValueSource(nameof(InvisibleNames))] string name, [Values("v0.3", "mesh", "hub")] string door)
    {
        await using var relay = await TestRelay.StartAsync();

        if (door == "hub")
        {
            var refusal = await HubWire.RefusalAsync(relay, $"{HubProtocol.Path}?agent={Uri.EscapeDataString(name)}");
            Assert.That(refusal, Does.StartWith("{\"error\":\"INVALID_AGENT_ID: "));
        }
        else
        {
            await using var client = await RawSocketClient.ConnectAsync(relay);
            await client.SendAsync(door == "v0.3" ? Hello(name) : Presence(name));
            Assert.That((await client.NextAsync()).ErrorCode(), Is.EqualTo("INVALID_AGENT_ID"));
            Assert.That(await client.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        }
        Assert.That(relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>().IsOnline(name), Is.False);
    }

    [TestCase("relay_server")]
    [TestCase("relay")]
    public async Task The_relays_own_names_cannot_be_claimed(string name)
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await RawSocketClient.ConnectAsync(relay);

        await client.SendAsync(Hello(name));
        var error = await client.NextAsync();
        await client.SendAsync(Hello("honest"));

        Assert.Multiple(async () =>
        {
            Assert.That(error.ErrorCode(), Is.EqualTo("INVALID_AGENT_ID"));
            Assert.That((await client.NextAsync()).Str("message_type"), Is.EqualTo("WELCOME"));
        });
    }

    [TestCase("relay_server")]
    [TestCase("relay")]
    public async Task A_direct_to_one_of_the_relays_own_names_is_refused_and_not_stored(string name)
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        await using var mesh = await MeshAsync(relay, "em");

        var refused = Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => alice.DirectAsync(name, Json.Of("for no one"), "h1"));
        await mesh.SendAsync($$"""{"type":"direct","id":"m1","to":"{{name}}","data":1}""");
        var meshError = await mesh.NextOfAsync("type", "error");

        Assert.Multiple(() =>
        {
            Assert.That(refused!.Message, Does.StartWith("INVALID_MESSAGE:"));
            Assert.That(meshError.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
            Assert.That(relay.QueryNumber("SELECT COUNT(*) FROM messages"), Is.Zero);
        });
    }

    [Test]
    public async Task A_first_frame_that_is_not_hello_or_presence_gets_HANDSHAKE_REQUIRED_and_may_be_followed_by_one()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var v03 = await RawSocketClient.ConnectAsync(relay);
        await using var mesh = await RawSocketClient.ConnectAsync(relay);

        await v03.SendAsync(Message("vee", "too-early", "hi"));
        await mesh.SendAsync("""{"type":"broadcast","from":"em","data":"too early"}""");

        Assert.Multiple(async () =>
        {
            var v03Error = await v03.NextAsync();
            Assert.That(v03Error.Str("message_type"), Is.EqualTo("ERROR"));
            Assert.That(v03Error.ErrorCode(), Is.EqualTo("HANDSHAKE_REQUIRED"));
            Assert.That(v03Error.Str("error_message"), Does.Contain("HELLO"));
            var meshError = await mesh.NextAsync();
            Assert.That(meshError.Str("type"), Is.EqualTo("error"));
            Assert.That(meshError.ErrorCode(), Is.EqualTo("HANDSHAKE_REQUIRED"));
        });

        await v03.SendAsync(Hello("vee"));
        Assert.That((await v03.NextAsync()).Str("message_type"), Is.EqualTo("WELCOME"));
        await using var db = relay.OpenDatabase();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM messages";
        Assert.That(await cmd.ExecuteScalarAsync(), Is.EqualTo(0L), "nothing sent before the handshake is relayed");
    }

    [Test]
    public async Task A_frame_over_the_size_limit_gets_FRAME_TOO_LARGE_and_close_1009_while_others_carry_on()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var big = await V03Async(relay, "big");
        await using var other = await V03Async(relay, "other");

        await big.SendAsync(Message("big", "huge", new string('x', 70 * 1024)));

        var error = await big.NextOfAsync("message_type", "ERROR");
        Assert.Multiple(async () =>
        {
            Assert.That(error.ErrorCode(), Is.EqualTo("FRAME_TOO_LARGE"));
            Assert.That(error.Str("error_message"), Does.Contain("65536"));
            Assert.That(await big.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.MessageTooBig));
        });
        await other.SendAsync(Ping);
        Assert.That((await other.NextOfAsync("message_type", "PONG")).Str("protocol_version"), Is.EqualTo("0.3"));
    }

    [Test]
    public async Task A_frame_over_the_limit_in_many_fragments_is_refused_as_soon_as_it_passes_the_limit()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:MaxFrameBytes"] = "4096" });
        await using var client = await MeshAsync(relay, "chunky");

        var fragment = Encoding.UTF8.GetBytes(new string(' ', 256));
        await client.SendRawAsync(Encoding.UTF8.GetBytes("""{"type":"broadcast","data":" """), WebSocketMessageType.Text, endOfMessage: false);
        // Past the limit, and the message is never finished: only a relay that counts across fragments answers.
        for (var sent = 0; sent <= 4096; sent += fragment.Length)
        {
            await client.SendRawAsync(fragment, WebSocketMessageType.Text, endOfMessage: false);
        }

        var error = await client.NextOfAsync("type", "error");
        Assert.Multiple(async () =>
        {
            Assert.That(error.ErrorCode(), Is.EqualTo("FRAME_TOO_LARGE"));
            Assert.That(await client.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.MessageTooBig));
        });
        await RawAgents.UntilOnlineAsync(relay, "chunky", online: false);
    }

    [Test]
    public async Task The_hub_refuses_a_message_over_the_same_frame_limit_and_stores_nothing()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:MaxFrameBytes"] = "4096" });
        var big = await relay.ConnectAsync("big");

        Assert.CatchAsync(() => big.BroadcastAsync(Json.Of(new string('x', 8000))), "SignalR drops a connection whose message is over its limit");
        Assert.That(relay.QueryNumber("SELECT count(*) FROM messages"), Is.Zero);
    }

    [TestCase("v0.3")]
    [TestCase("mesh")]
    public async Task A_sender_other_than_the_session_gets_SENDER_MISMATCH_and_nothing_is_relayed(string dialect)
    {
        await using var relay = await TestRelay.StartAsync();
        var watcher = await relay.ConnectAsync("watcher");
        await using var v = await V03Async(relay, "vee");
        await using var mesh = await MeshAsync(relay, "em");
        var (liar, spoof, honest) = dialect == "v0.3"
            ? (v, Message("mallory", "spoof", "I am mallory"), Message("vee", "honest", "I am vee"))
            : (mesh, """{"type":"broadcast","from":"mallory","id":"spoof","data":"I am mallory"}""",
                """{"type":"broadcast","from":"em","id":"honest","data":"I am em"}""");

        await liar.SendAsync(spoof);
        await liar.SendAsync(honest);

        var error = await liar.NextWhereAsync(f => f.ErrorCode() is not null, "an error");
        var relayed = await Wait.NextAsync(watcher.Messages);
        Assert.Multiple(() =>
        {
            Assert.That(error.ErrorCode(), Is.EqualTo("SENDER_MISMATCH"));
            Assert.That(relayed.Id, Is.EqualTo("honest"), "the spoofed frame is not relayed; the connection lives on");
        });
    }

    [Test]
    public async Task A_flood_over_the_rate_limit_gets_RATE_LIMITED_naming_each_refused_message_and_every_acked_one_is_stored_and_delivered()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:Burst"] = "5",
            ["Relay:Limits:MessagesPerSecond"] = "1",
            // Frames read at the rate they come, so the flood meets the message budget rather than the frame budget.
            ["Relay:Limits:FramesPerSecond"] = "1000",
            ["Relay:Limits:FrameBurst"] = "1000",
        });
        var receiver = await relay.ConnectAsync("receiver");
        await using var flooder = await V03Async(relay, "flooder");

        const int count = 40;
        for (var i = 0; i < count; i++)
        {
            await flooder.SendAsync(Message("flooder", $"f{i}", "flood"));
        }
        var replies = await Wait.NextAsync(flooder.Frames, count);

        var acked = replies.Where(r => r.Str("message_type") == "ACK").Select(r => r.Str("message_id")!).ToList();
        var limited = replies.Where(r => r.ErrorCode() == "RATE_LIMITED").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(acked.Count + limited.Count, Is.EqualTo(count), "every frame gets an ACK or a RATE_LIMITED error");
            Assert.That(acked.Concat(limited.Select(r => r.Str("message_id"))), Is.EquivalentTo(Enumerable.Range(0, count).Select(i => $"f{i}")),
                "each refusal names the message it refused, so the agent knows what to resend");
            Assert.That(acked, Has.Count.GreaterThanOrEqualTo(5));
            Assert.That(limited, Is.Not.Empty);
            Assert.That(limited[0].GetProperty("recoverable").GetBoolean(), Is.True);
        });
        var delivered = await Wait.NextAsync(receiver.Messages, acked.Count);
        Assert.That(delivered.Select(e => e.Id), Is.EqualTo(acked), "what was ACKed is delivered, in order");
        await using var db = relay.OpenDatabase();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM messages WHERE from_agent = 'flooder'";
        Assert.That(await cmd.ExecuteScalarAsync(), Is.EqualTo((long)acked.Count), "what was refused is not stored");
    }

    [Test]
    public async Task Announcing_faster_than_the_message_budget_gets_RATE_LIMITED_at_the_mesh_and_hub_doors()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:Burst"] = "3",
            ["Relay:Limits:MessagesPerSecond"] = "1",
            // Frames read at the rate they come, so the announcements meet the message budget rather than the frame budget.
            ["Relay:Limits:FramesPerSecond"] = "1000",
            ["Relay:Limits:FrameBurst"] = "1000",
        });
        await using var mesh = await MeshAsync(relay, "loud");
        await using var hub = await HubWire.ConnectAsync(relay, "loud-hub");

        for (var i = 0; i < 5; i++)
        {
            await mesh.SendAsync($$$"""{"type":"presence","from":"loud","id":"p{{{i}}}","data":{"v":{{{i}}}}}""");
        }
        var refused = await mesh.NextWhereAsync(f => f.Str("type") == "error", "the refusal");
        var hubReplies = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            hubReplies.Add(await hub.InvokeAsync("Announce", $$"""{"v":{{i}}}"""));
        }

        Assert.Multiple(() =>
        {
            Assert.That(refused.GetProperty("data").Str("code"), Is.EqualTo(ErrorCodes.RateLimited), refused.ToString());
            Assert.That(refused.GetProperty("data").Str("id"), Is.EqualTo("p3"), "the first past the burst is refused, by its id");
            Assert.That(hubReplies.Take(3), Is.All.Null);
            Assert.That(hubReplies.Skip(3), Is.All.Contain(ErrorCodes.RateLimited));
        });
    }

    [Test]
    public async Task A_client_that_never_identifies_is_closed_after_the_handshake_timeout()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Sessions:HandshakeTimeoutSeconds"] = "1" });
        await using var silent = await RawSocketClient.ConnectAsync(relay);

        var error = await silent.NextAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(error.ErrorCode(), Is.EqualTo("HANDSHAKE_TIMEOUT"));
            Assert.That(error.GetProperty("recoverable").GetBoolean(), Is.False);
            Assert.That(await silent.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        });
    }
}
