using SignalRelay.Client;

namespace SignalRelay.Tests.Core;

public sealed class ReplayTests
{
    [Test]
    public async Task An_agent_that_was_offline_gets_exactly_what_it_missed_in_order_then_live_traffic()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bobFirst = await relay.ConnectAsync("bob");
        var before = await alice.BroadcastAsync(Json.Of("before"), "b0");
        Assert.That((await Wait.NextAsync(bobFirst.Messages)).Seq, Is.EqualTo(before.Seq));
        await bobFirst.DisposeAsync();
        await WaitOffline(relay, "bob");

        var missed = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            missed.Add((await alice.BroadcastAsync(Json.Of($"missed {i}"), $"m{i}")).Seq);
        }
        missed.Add((await alice.DirectAsync("bob", Json.Of("for bob"), "d1")).Seq);
        await alice.DirectAsync("carol", Json.Of("not for bob"), "d2");

        // A new client with no local state: the relay's stored cursor decides.
        var bob = await relay.ConnectAsync("bob");
        var replayed = await Wait.NextAsync(bob.Messages, missed.Count);
        Assert.That(replayed.Select(e => e.Seq), Is.EqualTo(missed));

        var live = await alice.BroadcastAsync(Json.Of("live"), "live");
        Assert.That((await Wait.NextAsync(bob.Messages)).Seq, Is.EqualTo(live.Seq));
    }

    [Test]
    public async Task A_replay_of_directs_and_broadcasts_interleaved_over_several_pages_keeps_seq_order_and_each_senders_order()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var carol = await relay.ConnectAsync("carol");
        await (await relay.ConnectAsync("bob")).DisposeAsync();
        await WaitOffline(relay, "bob");

        // Past the replay's page of 256, with what is bob's and what is not mixed at every step.
        var sends = Enumerable.Range(0, 300).SelectMany(i => new[]
        {
            alice.BroadcastAsync(Json.Of($"{i}"), $"a-b{i}"),
            alice.DirectAsync("bob", Json.Of($"{i}"), $"a-d{i}"),
            carol.DirectAsync("bob", Json.Of($"{i}"), $"c-d{i}"),
            carol.DirectAsync("dave", Json.Of($"{i}"), $"c-x{i}"),
        }).ToList();
        var acks = await Task.WhenAll(sends);
        var owed = acks.Where(a => !a.Id.StartsWith("c-x", StringComparison.Ordinal)).Select(a => a.Seq).Order().ToList();

        var bob = await relay.ConnectAsync("bob");
        var replayed = await Wait.NextAsync(bob.Messages, owed.Count);
        Assert.Multiple(() =>
        {
            Assert.That(replayed.Select(e => e.Seq), Is.EqualTo(owed), "everything owed, once, in seq order");
            Assert.That(replayed.Where(e => e.From == "alice").Select(e => e.Id),
                Is.EqualTo(Enumerable.Range(0, 300).SelectMany(i => new[] { $"a-b{i}", $"a-d{i}" })), "alice's order");
            Assert.That(replayed.Where(e => e.From == "carol").Select(e => e.Id),
                Is.EqualTo(Enumerable.Range(0, 300).Select(i => $"c-d{i}")), "carol's order");
        });
    }

    [Test]
    public async Task Directs_to_an_agent_that_never_connected_wait_for_it_but_old_broadcasts_do_not()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        await alice.BroadcastAsync(Json.Of("before dave existed"), "b1");
        var waiting = await alice.DirectAsync("dave", Json.Of("welcome, dave"), "d1");

        var dave = await relay.ConnectAsync("dave");
        var first = await Wait.NextAsync(dave.Messages);
        var live = await alice.BroadcastAsync(Json.Of("now"), "b2");
        var second = await Wait.NextAsync(dave.Messages);
        Assert.Multiple(() =>
        {
            Assert.That(first.Seq, Is.EqualTo(waiting.Seq));
            Assert.That(second.Seq, Is.EqualTo(live.Seq));
        });
    }

    [Test]
    public async Task The_client_reconnects_by_itself_and_resumes_without_gaps_or_repeats()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Reconnected += () => reconnected.TrySetResult();

        var sent = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            sent.Add((await alice.BroadcastAsync(Json.Of($"n{i}"), $"n{i}")).Seq);
        }
        // Drop bob's connection from the server side, mid-stream, as a network failure would.
        var registry = relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>();
        registry.OnlineSessions().Single(s => s.AgentId == "bob")
            .Close(new RelayError { Code = "TEST_DROP", Message = "dropped by the test" }, drain: false);
        for (var i = 20; i < 40; i++)
        {
            sent.Add((await alice.BroadcastAsync(Json.Of($"n{i}"), $"n{i}")).Seq);
        }
        await reconnected.Task.WaitAsync(Wait.Default);

        var received = await Wait.NextAsync(bob.Messages, sent.Count);
        Assert.That(received.Select(e => e.Seq), Is.EqualTo(sent));
        Assert.That(await Wait.NothingWithinAsync(bob.Messages, TimeSpan.FromMilliseconds(300)), Is.True, "nothing twice");
    }

    [Test]
    public async Task A_cursor_older_than_retention_is_told_RESUME_TOO_OLD_with_the_oldest_seq_held()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Retention:MaxMessages"] = "3",
            ["Relay:Retention:SweepSeconds"] = "1",
        });
        var alice = await relay.ConnectAsync("alice");
        var bobFirst = await relay.ConnectAsync("bob");
        await bobFirst.DisposeAsync();
        await WaitOffline(relay, "bob");

        var last = 0L;
        for (var i = 0; i < 10; i++)
        {
            last = (await alice.BroadcastAsync(Json.Of($"x{i}"), $"x{i}")).Seq;
        }
        await Wait.UntilAsync(() => OldestSeq(relay) == last - 2, "retention keeps only the newest 3");

        var bob = relay.CreateClient("bob");
        var notice = Wait.ForEventAsync<RelayError>(h => bob.ErrorReceived += h, e => e.Code == ErrorCodes.ResumeTooOld, "RESUME_TOO_OLD");
        await bob.ConnectAsync();
        var error = await notice;
        var replayed = await Wait.NextAsync(bob.Messages, 3);
        Assert.Multiple(() =>
        {
            Assert.That(error.OldestSeq, Is.EqualTo(last - 2));
            Assert.That(replayed.Select(e => e.Seq), Is.EqualTo(new[] { last - 2, last - 1, last }));
        });
    }

    [Test]
    public async Task A_capped_replay_sends_the_newest_messages_the_agent_may_see_and_says_where_they_start()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:MaxReplayMessages"] = "3" });
        var alice = await relay.ConnectAsync("alice");
        var bobFirst = await relay.ConnectAsync("bob");
        await bobFirst.DisposeAsync();
        await WaitOffline(relay, "bob");

        await alice.BroadcastAsync(Json.Of("too old"), "b0");
        var cutoff = await alice.DirectAsync("bob", Json.Of("too old too"), "d1");
        await alice.DirectAsync("carol", Json.Of("not for bob"), "x1");
        var newest = new List<long>
        {
            (await alice.BroadcastAsync(Json.Of("kept"), "b2")).Seq,
            (await alice.DirectAsync("bob", Json.Of("kept"), "d3")).Seq,
        };
        await alice.DirectAsync("carol", Json.Of("not for bob"), "x2");
        newest.Add((await alice.BroadcastAsync(Json.Of("kept"), "b4")).Seq);

        var bob = relay.CreateClient("bob");
        var notice = Wait.ForEventAsync<RelayError>(h => bob.ErrorReceived += h, e => e.Code == ErrorCodes.ReplayTruncated, "REPLAY_TRUNCATED");
        await bob.ConnectAsync();
        var error = await notice;
        var replayed = await Wait.NextAsync(bob.Messages, 3);
        var live = await alice.BroadcastAsync(Json.Of("live"), "live");
        Assert.Multiple(async () =>
        {
            Assert.That(error.OldestSeq, Is.EqualTo(cutoff.Seq + 1));
            Assert.That(replayed.Select(e => e.Seq), Is.EqualTo(newest));
            Assert.That((await Wait.NextAsync(bob.Messages)).Seq, Is.EqualTo(live.Seq), "nothing else was replayed");
        });
    }

    [Test]
    public async Task A_client_whose_last_message_waited_for_it_reconnects_without_the_broadcasts_from_before_it_first_came()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var proxy = new CuttableProxy(relay.BaseUri);
        var alice = await relay.ConnectAsync("alice");
        var waited = await alice.DirectAsync("late", Json.Of("waited for you"), "waited");
        await alice.BroadcastAsync(Json.Of("before you came"), "before");
        await using var late = proxy.CreateClient("late", TimeSpan.FromMilliseconds(50));
        await late.ConnectAsync();
        Assert.That((await Wait.NextAsync(late.Messages)).Seq, Is.EqualTo(waited.Seq));
        var reconnected = Wait.ForEventAsync<bool>(h => late.Reconnected += () => h(true), _ => true, "late reconnects");

        // The client comes back after the last seq it saw, the direct that waited for it.
        proxy.CutClients();
        await reconnected;
        var live = await alice.BroadcastAsync(Json.Of("now"), "now");

        Assert.That((await Wait.NextAsync(late.Messages)).Seq, Is.EqualTo(live.Seq), "nothing from before it first came");
    }

    private static long OldestSeq(TestRelay relay) => relay.QueryNumber("SELECT COALESCE(MIN(seq), 0) FROM messages");

    internal static Task WaitOffline(TestRelay relay, string agent)
    {
        var registry = relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>();
        return Wait.UntilAsync(() => !registry.IsOnline(agent), $"{agent} is offline");
    }
}
