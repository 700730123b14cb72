using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>An agent of either dialect gets what it missed when it identifies again with the same name.</summary>
public sealed class OfflineReplayTests
{
    [Test]
    public async Task A_v03_agent_saying_hello_again_gets_what_it_missed_in_order()
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        var first = await V03Async(relay, "vee");
        await sender.BroadcastAsync(Json.Of("live"), "live");
        Assert.That((await first.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("live"));
        await first.SendAsync("""{"protocol_version":"0.3","message_type":"GOODBYE"}""");
        await first.ClosedWithinAsync();
        await first.DisposeAsync();
        await UntilOnlineAsync(relay, "vee", online: false);

        await sender.BroadcastAsync(Json.Of("missed 1"), "missed-1");
        await sender.DirectAsync("vee", Json.Of("missed 2"), "missed-2");

        await using var again = await V03Async(relay, "vee");
        var replayed = new[] { await again.NextV03MessageAsync(), await again.NextV03MessageAsync() };
        Assert.That(replayed.Select(m => m.Str("message_id")), Is.EqualTo(new[] { "missed-1", "missed-2" }));
    }

    [Test]
    public async Task A_new_agent_that_comes_back_is_not_sent_the_broadcasts_from_before_it_first_came()
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        await sender.BroadcastAsync(Json.Of("before"), "before");
        var first = await V03Async(relay, "newcomer");
        await first.SendAsync("""{"protocol_version":"0.3","message_type":"GOODBYE"}""");
        await first.ClosedWithinAsync();
        await first.DisposeAsync();
        await UntilOnlineAsync(relay, "newcomer", online: false);

        await sender.BroadcastAsync(Json.Of("missed"), "missed");

        await using var again = await V03Async(relay, "newcomer");
        Assert.That((await again.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("missed"));
    }

    [Test]
    public async Task A_mesh_agent_announcing_itself_again_gets_what_it_missed_in_order()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var sender = await MeshAsync(relay, "sender");
        var first = await MeshAsync(relay, "em");
        await sender.SendAsync("""{"type":"broadcast","id":"live","data":"live"}""");
        Assert.That((await first.NextMeshTrafficAsync()).Str("id"), Is.EqualTo("live"));
        await first.CloseAsync();
        await first.DisposeAsync();
        await UntilOnlineAsync(relay, "em", online: false);

        await sender.SendAsync("""{"type":"direct","to":"em","id":"missed-1","data":"for em"}""");
        await sender.SendAsync("""{"type":"stream","id":"missed-2","data":"chunk"}""");
        await Wait.UntilAsync(() => CountStored(relay) == 3, "both missed frames are stored");

        await using var again = await MeshAsync(relay, "em");
        var replayed = new[] { await again.NextMeshTrafficAsync(), await again.NextMeshTrafficAsync() };
        Assert.That(replayed.Select(m => m.Str("id")), Is.EqualTo(new[] { "missed-1", "missed-2" }));
    }

    [TestCase("v0.3")]
    [TestCase("mesh")]
    public async Task Resume_from_seq_replays_everything_after_that_seq(string dialect)
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        var seqs = new List<long>();
        for (var i = 1; i <= 3; i++)
        {
            seqs.Add((await sender.BroadcastAsync(Json.Of($"n{i}"), $"n{i}")).Seq);
        }
        // Never connected before, so without resume_from_seq it would get none of these.
        var resume = $""","resume_from_seq":{seqs[0]}""";

        if (dialect == "v0.3")
        {
            await using var client = await V03Async(relay, "resumer", resume);
            var got = new[] { await client.NextV03MessageAsync(), await client.NextV03MessageAsync() };
            Assert.That(got.Select(m => m.Long("seq")), Is.EqualTo(seqs.Skip(1)));
        }
        else
        {
            await using var client = await MeshAsync(relay, "resumer", resume);
            var got = new[] { await client.NextMeshTrafficAsync(), await client.NextMeshTrafficAsync() };
            Assert.That(got.Select(m => m.Long("seq")), Is.EqualTo(seqs.Skip(1)));
        }
    }

    [Test]
    public async Task A_resume_from_seq_past_the_head_does_not_move_the_cursor_past_messages_that_come_later()
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        await sender.BroadcastAsync(Json.Of("before"), "before");
        await using (var dreamer = await V03Async(relay, "dreamer", ""","resume_from_seq":1000000"""))
        {
            await dreamer.CloseAsync();
        }
        await UntilOnlineAsync(relay, "dreamer", online: false);
        await sender.BroadcastAsync(Json.Of("later"), "later");

        await using var back = await V03Async(relay, "dreamer");
        Assert.That((await back.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("later"));
    }

    [TestCase("v0.3")]
    [TestCase("mesh")]
    public async Task An_agent_resuming_after_a_direct_that_waited_for_it_is_not_sent_the_broadcasts_from_before_it_first_came(string dialect)
    {
        await using var relay = await TestRelay.StartAsync();
        var sender = await relay.ConnectAsync("sender");
        var waited = await sender.DirectAsync("late", Json.Of("waited for you"), "waited");
        await sender.BroadcastAsync(Json.Of("before you came"), "before");
        await using (var first = dialect == "v0.3" ? await V03Async(relay, "late") : await MeshAsync(relay, "late"))
        {
            var got = dialect == "v0.3" ? await first.NextV03MessageAsync() : await first.NextMeshTrafficAsync();
            Assert.That(got.Long("seq"), Is.EqualTo(waited.Seq));
            await first.CloseAsync();
        }
        await UntilOnlineAsync(relay, "late", online: false);
        await sender.BroadcastAsync(Json.Of("while you were away"), "away");

        // The last seq it processed is the direct, from before it first came: resuming after it, as docs/protocol.md
        // tells an agent to, asks for what came after it, not for the broadcasts it was never owed.
        var resume = $""","resume_from_seq":{waited.Seq}""";
        await using var again = dialect == "v0.3" ? await V03Async(relay, "late", resume) : await MeshAsync(relay, "late", resume);
        var next = dialect == "v0.3" ? await again.NextV03MessageAsync() : await again.NextMeshTrafficAsync();
        Assert.That(next.Str(dialect == "v0.3" ? "message_id" : "id"), Is.EqualTo("away"));
    }

    private static long CountStored(TestRelay relay) => relay.QueryNumber("SELECT count(*) FROM messages");
}
