using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

public sealed class MeshDialectTests
{
    [Test]
    public async Task Presence_registers_the_newcomer_who_learns_who_is_online_while_the_others_learn_of_it()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alpha = await MeshAsync(relay, "alpha", ""","resume_from_seq":0""");
        await using var beta = await MeshAsync(relay, "beta");

        var betaSees = await beta.NextOfAsync("type", "presence");
        var alphaSees = await alpha.NextOfAsync("type", "presence");
        Assert.Multiple(() =>
        {
            Assert.That(betaSees.Str("from"), Is.EqualTo("alpha"));
            Assert.That(betaSees.GetProperty("data").Str("name"), Is.EqualTo("alpha"), "the agent's metadata travels with its presence");
            Assert.That(betaSees.GetProperty("data").Str("status"), Is.EqualTo("online"));
            Assert.That(alphaSees.Str("from"), Is.EqualTo("beta"));
            Assert.That(alphaSees.GetProperty("data").Str("status"), Is.EqualTo("online"));
        });
    }

    [Test]
    public async Task Relayed_types_reach_everyone_but_the_sender_as_sent_with_from_stamped_and_seq_added()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alpha = await MeshAsync(relay, "alpha");
        await using var beta = await MeshAsync(relay, "beta");
        await using var gamma = await MeshAsync(relay, "gamma");

        string[] types = ["broadcast", "stream", "ack", "turn_end", "error"];
        foreach (var type in types)
        {
            // No 'from': the relay stamps it from the session.
            await alpha.SendAsync($$"""{"type":"{{type}}","id":"{{type}}-1","data":{"t":"{{type}}"},"timestamp":1234567890}""");
        }
        await alpha.SendAsync("""{"type":"heartbeat","from":"alpha"}""");
        await alpha.SendAsync("""{"type":"broadcast","from":"alpha","id":"after-heartbeat"}""");

        var atBeta = new List<System.Text.Json.JsonElement>();
        for (var i = 0; i < types.Length; i++)
        {
            atBeta.Add(await beta.NextMeshTrafficAsync());
        }
        var afterHeartbeat = await beta.NextMeshTrafficAsync();
        await gamma.SendAsync("""{"type":"broadcast","from":"gamma","data":"marker"}""");
        var alphaGot = await alpha.NextMeshTrafficAsync();
        Assert.Multiple(() =>
        {
            Assert.That(atBeta.Select(f => f.Str("type")), Is.EqualTo(types));
            Assert.That(atBeta.All(f => f.Str("from") == "alpha"), Is.True);
            Assert.That(atBeta.Select(f => f.GetProperty("data").Str("t")), Is.EqualTo(types));
            Assert.That(atBeta.Select(f => f.Long("seq")), Is.Ordered.Ascending);
            Assert.That(atBeta[0].Str("id"), Is.EqualTo("broadcast-1"));
            Assert.That(atBeta[0].Long("timestamp"), Is.EqualTo(1234567890));
            Assert.That(afterHeartbeat.Str("id"), Is.EqualTo("after-heartbeat"), "heartbeats are not relayed");
            Assert.That(afterHeartbeat.GetProperty("data").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
            Assert.That(alphaGot.Str("from"), Is.EqualTo("gamma"), "the sender does not get its own frames back");
        });
    }

    [Test]
    public async Task Direct_goes_to_its_target_only_and_waits_for_an_agent_that_is_offline()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alpha = await MeshAsync(relay, "alpha");
        await using var beta = await MeshAsync(relay, "beta");
        await using var gamma = await MeshAsync(relay, "gamma");

        await alpha.SendAsync("""{"type":"direct","from":"alpha","to":"beta","data":{"q":"just beta"}}""");
        await alpha.SendAsync("""{"type":"direct","from":"alpha","to":"late","data":{"q":"waiting"}}""");
        await alpha.SendAsync("""{"type":"broadcast","from":"alpha","data":"marker"}""");

        var betaGot = await beta.NextMeshTrafficAsync();
        var gammaGot = await gamma.NextMeshTrafficAsync();
        await using var late = await MeshAsync(relay, "late");
        var lateGot = await late.NextMeshTrafficAsync();
        Assert.Multiple(() =>
        {
            Assert.That(betaGot.Str("type"), Is.EqualTo("direct"));
            Assert.That(betaGot.Str("to"), Is.EqualTo("beta"));
            Assert.That(betaGot.GetProperty("data").Str("q"), Is.EqualTo("just beta"));
            Assert.That(gammaGot.GetProperty("data").GetString(), Is.EqualTo("marker"), "gamma must not see the direct to beta");
            Assert.That(lateGot.Str("to"), Is.EqualTo("late"));
            Assert.That(lateGot.GetProperty("data").Str("q"), Is.EqualTo("waiting"));
        });
    }

    [Test]
    public async Task A_broadcast_with_a_to_reaches_that_agent_only_waits_for_it_offline_and_stays_out_of_the_others_history()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alpha = await MeshAsync(relay, "alpha");
        await using var beta = await MeshAsync(relay, "beta");
        await using var gamma = await MeshAsync(relay, "gamma");

        await alpha.SendAsync("""{"type":"broadcast","from":"alpha","to":"beta","id":"narrow-live","data":"for beta"}""");
        await alpha.SendAsync("""{"type":"stream","from":"alpha","to":"late","id":"narrow-away","data":"for late"}""");
        await alpha.SendAsync("""{"type":"broadcast","from":"alpha","id":"wide","data":"marker"}""");

        var betaGot = await beta.NextMeshTrafficAsync();
        var gammaGot = await gamma.NextMeshTrafficAsync();
        await using var late = await MeshAsync(relay, "late");
        var lateGot = await late.NextMeshTrafficAsync();
        await using var gammaHub = await relay.ConnectAsync("gamma");
        var gammaHistory = await gammaHub.HistoryAsync(new HistoryQuery());
        Assert.Multiple(() =>
        {
            Assert.That(betaGot.Str("id"), Is.EqualTo("narrow-live"));
            Assert.That(betaGot.Str("type"), Is.EqualTo("broadcast"));
            Assert.That(betaGot.Str("to"), Is.EqualTo("beta"));
            Assert.That(gammaGot.Str("id"), Is.EqualTo("wide"), "gamma must not get what was narrowed to beta or late");
            Assert.That(lateGot.Str("id"), Is.EqualTo("narrow-away"), "a narrowed frame waits for its offline target");
            Assert.That(lateGot.Str("type"), Is.EqualTo("stream"));
            Assert.That(gammaHistory.Select(e => e.Id), Is.EqualTo(new[] { "wide" }));
        });
    }

    [Test]
    public async Task Presence_carries_the_relays_status_over_the_agents_own_and_metadata_that_is_no_object_as_a_field()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var watcher = await MeshAsync(relay, "watcher");

        await using var busy = await RawSocketClient.ConnectAsync(relay);
        await busy.SendAsync("""{"type":"presence","from":"busy","data":{"name":"Busy","status":"away"}}""");
        var listed = await relay.ConnectAsync("listed");
        await listed.AnnounceAsync(Json.Parse("""["planner","coder"]"""));

        var busyOnline = await watcher.NextOfAsync("from", "busy");
        var listedOnline = await watcher.NextWhereAsync(f => f.Str("from") == "listed" && f.GetProperty("data").TryGetProperty("metadata", out _),
            "listed's announced metadata");
        Assert.Multiple(() =>
        {
            Assert.That(busyOnline.GetRawText(), Is.EqualTo("""{"type":"presence","from":"busy","data":{"name":"Busy","status":"online"}}"""));
            Assert.That(listedOnline.GetRawText(),
                Is.EqualTo("""{"type":"presence","from":"listed","data":{"metadata":["planner","coder"],"status":"online"}}"""));
        });
    }

    [Test]
    public async Task A_closed_socket_tells_the_others_it_went_offline()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alpha = await MeshAsync(relay, "alpha");
        var beta = await MeshAsync(relay, "beta");
        await alpha.NextOfAsync("from", "beta");

        await beta.CloseAsync();
        await beta.DisposeAsync();

        var offline = await alpha.NextOfAsync("from", "beta");
        Assert.That(offline.GetRawText(), Is.EqualTo("""{"type":"presence","from":"beta","data":{"status":"offline"}}"""));
    }

    [Test]
    public async Task Presence_sent_again_updates_the_metadata_everyone_sees()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alpha = await MeshAsync(relay, "alpha");
        await using var beta = await MeshAsync(relay, "beta");
        await beta.NextOfAsync("from", "alpha");

        await alpha.SendAsync("""{"type":"presence","from":"alpha","data":{"name":"alpha","mood":"busy"}}""");

        var update = await beta.NextOfAsync("from", "alpha");
        Assert.That(update.GetProperty("data").Str("mood"), Is.EqualTo("busy"));
    }

    [TestCase("1771473600.25")]
    [TestCase("1e30")]
    [TestCase("-5")]
    [TestCase("1771473600.12345678901234567890123456789012345678901234567890123")]
    public async Task A_numeric_timestamp_goes_back_out_as_the_same_number(string timestamp)
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alpha = await MeshAsync(relay, "alpha");
        await using var beta = await MeshAsync(relay, "beta");

        await alpha.SendAsync($$"""{"type":"broadcast","data":1,"timestamp":{{timestamp}}}""");
        await alpha.SendAsync("""{"type":"broadcast","data":2,"timestamp":"2026-02-19T04:00:00Z"}""");

        var numeric = (await beta.NextMeshTrafficAsync()).GetProperty("timestamp");
        var text = (await beta.NextMeshTrafficAsync()).GetProperty("timestamp");
        Assert.Multiple(() =>
        {
            Assert.That(numeric.ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Number));
            Assert.That(numeric.GetRawText(), Is.EqualTo(timestamp));
            Assert.That(text.GetString(), Is.EqualTo("2026-02-19T04:00:00Z"), "a string stays a string");
        });
    }

    [Test]
    public async Task A_numeric_timestamp_too_long_to_go_back_out_as_a_number_is_refused_and_a_string_one_is_not()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alpha = await MeshAsync(relay, "alpha");
        await using var beta = await MeshAsync(relay, "beta");
        var digits = "1771473600." + new string('1', 54);

        await alpha.SendAsync($$"""{"type":"broadcast","id":"long-number","data":1,"timestamp":{{digits}}}""");
        var refusal = await alpha.NextWhereAsync(f => f.ErrorCode() is not null, "the refusal");
        await alpha.SendAsync($$"""{"type":"broadcast","id":"long-string","data":2,"timestamp":"{{digits}}"}""");
        var relayed = await beta.NextMeshTrafficAsync();

        Assert.Multiple(() =>
        {
            Assert.That(refusal.ErrorCode(), Is.EqualTo(ErrorCodes.InvalidMessage));
            Assert.That(refusal.ToString(), Does.Contain("64 characters"));
            Assert.That(relayed.Str("id"), Is.EqualTo("long-string"), "the refused broadcast was not relayed");
            Assert.That(relayed.GetProperty("timestamp").GetString(), Is.EqualTo(digits), "too long to be a number, it comes back as the string it was");
        });
    }
}
