using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using SignalRelay.Client;
using SignalRelay.Server.Core;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

public sealed class RetentionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Pruning_in_small_chunks_removes_everything_past_the_age_and_count_bounds_and_says_how_many()
    {
        var clock = new SettableClock(T0);
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Retention:DeleteBatchSize"] = "3",
            ["Relay:Retention:SweepSeconds"] = "86400",
        }, clock: clock);
        var alice = await relay.ConnectAsync("alice");
        var seqs = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            clock.Now = T0.AddSeconds(i);
            seqs.Add((await alice.BroadcastAsync(Json.Of($"{i}"), $"b{i}")).Seq);
        }
        var store = relay.Services.GetRequiredService<IMessageStore>();

        var byAge = await store.PruneAsync(T0.AddSeconds(4.5), keepNewest: 100, CancellationToken.None);
        var afterAge = await store.BoundsAsync(CancellationToken.None);
        var byCount = await store.PruneAsync(T0, keepNewest: 2, CancellationToken.None);
        var afterCount = await store.BoundsAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(byAge, Is.EqualTo(5), "b0 to b4, in two chunks of three");
            Assert.That(afterAge.Oldest, Is.EqualTo(seqs[5]));
            Assert.That(byCount, Is.EqualTo(3));
            Assert.That(afterCount.Oldest, Is.EqualTo(seqs[8]));
            Assert.That(afterCount.Newest, Is.EqualTo(seqs[9]));
        });
    }

    [TestCase("MaxStoreMegabytes")]
    [TestCase("MaxVolumeShare")]
    public async Task A_store_over_its_size_bound_loses_its_oldest_messages_until_it_fits(string bound)
    {
        using var data = new TempDirectory();
        // 1 MiB, or as a share of the volume just under 1 MiB of what this machine's volume has free (which moves a little).
        var setting = bound == "MaxStoreMegabytes"
            ? "1"
            : (0.98 * 1024 * 1024 / new DriveInfo(data.Path).AvailableFreeSpace).ToString("R", CultureInfo.InvariantCulture);
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            [$"Relay:Retention:{bound}"] = setting,
        }, data.File("relay.db"));
        var alice = await relay.ConnectAsync("alice");
        var filler = new string('f', 20_000);
        var seqs = new List<long>();
        for (var i = 0; i < 150; i++)
        {
            seqs.Add((await alice.BroadcastAsync(Json.Of(filler), $"m{i}")).Seq);
        }

        await Wait.UntilAsync(() => UsedBytes(relay) <= 1024 * 1024, "the store is brought under 1 MiB");
        var (oldest, newest) = await relay.Services.GetRequiredService<IMessageStore>().BoundsAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(oldest, Is.GreaterThan(seqs[0]), "the oldest went first");
            Assert.That(newest, Is.EqualTo(seqs[^1]));
            Assert.That(StoredCount(relay), Is.EqualTo(seqs[^1] - oldest + 1), "what is left is the newest, without gaps");
            Assert.That(StoredCount(relay), Is.GreaterThan(30), "no more was deleted than the bound asks (1 MiB holds ~50 of them)");
        });
    }

    [Test]
    public async Task Age_and_size_retention_running_at_once_remove_no_more_than_either_bound_asks()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Retention:SweepSeconds"] = "86400" });
        var store = relay.Services.GetRequiredService<IMessageStore>();
        var filler = Json.Of(new string('f', 20_000));
        var left = new List<long>();
        // Each round starts the two passes together on 100 messages; the count bound keeps 80, which fit the size bound.
        // A size pass that measured before the count pass deleted, and deleted after it, took more than either asks:
        // without the fix about one round in a hundred did.
        for (var round = 0; round < 250; round++)
        {
            var batch = Enumerable.Range(0, 100)
                .Select(i => new Envelope { Id = $"r{round}-{i}", Kind = "broadcast", From = "alice", Content = filler, ReceivedAt = DateTimeOffset.UtcNow })
                .ToList();
            await store.AppendAsync(batch, CancellationToken.None);
            var bound = UsedBytes(relay) * 85 / 100;
            using var start = new ManualResetEventSlim();
            var bySize = Task.Run(() => { start.Wait(); return store.PruneToSizeAsync(bound, CancellationToken.None); });
            var byCount = Task.Run(() => { start.Wait(); return store.PruneAsync(DateTimeOffset.MinValue, keepNewest: 80, CancellationToken.None); });
            start.Set();
            await Task.WhenAll(bySize, byCount);
            left.Add(StoredCount(relay));
            await store.PruneAsync(DateTimeOffset.MinValue, keepNewest: 0, CancellationToken.None);
        }

        Assert.That(left.Where(n => n != 80).ToList(), Is.Empty, "rounds that left other than the newest 80");
    }

    private static long UsedBytes(TestRelay relay) => relay.QueryNumber(
        "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()");

    private static long StoredCount(TestRelay relay) => relay.QueryNumber("SELECT COUNT(*) FROM messages");

    [Test]
    public async Task An_agent_whose_missed_messages_were_all_removed_is_told_even_when_the_store_is_empty()
    {
        var clock = new SettableClock(T0);
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Retention:SweepSeconds"] = "86400" }, clock: clock);
        await KnownAndAwayAsync(relay, "away");
        var alice = await relay.ConnectAsync("alice");
        var last = 0L;
        for (var i = 0; i < 3; i++)
        {
            last = (await alice.BroadcastAsync(Json.Of($"m{i}"), $"m{i}")).Seq;
        }
        await relay.Services.GetRequiredService<IMessageStore>().PruneAsync(T0.AddHours(1), keepNewest: 100, CancellationToken.None);

        await using var back = await V03Async(relay, "away");

        var notice = await back.NextOfAsync("message_type", "ERROR");
        Assert.That(notice.ErrorCode(), Is.EqualTo(ErrorCodes.ResumeTooOld));
        Assert.That(notice.Long("oldest_seq"), Is.EqualTo(last + 1));
    }

    [Test]
    public async Task An_agent_that_had_every_message_retention_removed_is_not_told_RESUME_TOO_OLD_for_a_resend_after_them()
    {
        var clock = new SettableClock(T0);
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Retention:SweepSeconds"] = "86400" }, clock: clock);
        var alice = await relay.ConnectAsync("alice");
        await ReadAndLeaveAsync(relay, alice, "bob");
        // Acknowledged again, as the first time: its sender never learnt that the first ACK came.
        Assert.That((await alice.BroadcastAsync(Json.Of("read"), "m1")).Duplicate, Is.True);
        clock.Now = T0.AddHours(2);
        var kept = await alice.BroadcastAsync(Json.Of("kept"), "m2");
        await relay.Services.GetRequiredService<IMessageStore>().PruneAsync(T0.AddHours(1), keepNewest: 100, CancellationToken.None);

        var (first, errors) = await ComeBackAsync(relay, "bob");

        Assert.That(first.Seq, Is.EqualTo(kept.Seq));
        Assert.That(errors.Select(e => e.Code), Has.No.Member(ErrorCodes.ResumeTooOld), "retention removed nothing bob had not read");
    }

    [Test]
    public async Task After_a_restart_an_agent_that_had_every_message_is_not_told_RESUME_TOO_OLD_when_the_last_send_was_a_resend_and_the_store_is_empty()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        var settings = new Dictionary<string, string?> { ["Relay:Retention:SweepSeconds"] = "86400" };
        await using (var relay = await TestRelay.StartAsync(settings, db, new SettableClock(T0)))
        {
            var alice = await relay.ConnectAsync("alice");
            await ReadAndLeaveAsync(relay, alice, "bob");
            Assert.That((await alice.BroadcastAsync(Json.Of("read"), "m1")).Duplicate, Is.True);
            await relay.Services.GetRequiredService<IMessageStore>().PruneAsync(T0.AddHours(1), keepNewest: 100, CancellationToken.None);
        }

        await using var restarted = await TestRelay.StartAsync(settings, db, new SettableClock(T0));
        var live = restarted.ConnectAsync("alice");
        var (first, errors) = await ComeBackAsync(restarted, "bob", async () => await (await live).BroadcastAsync(Json.Of("live"), "m2"));

        Assert.That(first.Id, Is.EqualTo("m2"));
        Assert.That(errors.Select(e => e.Code), Has.No.Member(ErrorCodes.ResumeTooOld), "retention removed nothing bob had not read");
    }

    /// <summary><paramref name="agent"/> reads <paramref name="sender"/>'s message m1 and leaves, its cursor at m1.</summary>
    private static async Task ReadAndLeaveAsync(TestRelay relay, RelayClient sender, string agent)
    {
        var reader = await relay.ConnectAsync(agent);
        var sent = await sender.BroadcastAsync(Json.Of("read"), "m1");
        Assert.That((await Wait.NextAsync(reader.Messages)).Seq, Is.EqualTo(sent.Seq));
        await reader.DisposeAsync();
        await ReplayTests.WaitOffline(relay, agent);
    }

    /// <summary>
    /// <paramref name="agent"/> connects again with no state of its own (the stored cursor counts): the first message it
    /// gets, after <paramref name="then"/> if given, and the notices that came with it.
    /// </summary>
    private static async Task<(Envelope First, List<RelayError> Errors)> ComeBackAsync(TestRelay relay, string agent, Func<Task>? then = null)
    {
        var client = relay.CreateClient(agent);
        var errors = new List<RelayError>();
        client.ErrorReceived += errors.Add;
        await client.ConnectAsync();
        if (then is not null)
        {
            await then();
        }
        return (await Wait.NextAsync(client.Messages), errors);
    }

    [Test]
    public async Task Messages_removed_while_their_replay_goes_out_are_told_not_skipped()
    {
        await using var relay = await TestRelay.StartAsync(
            new Dictionary<string, string?> { ["Relay:Retention:SweepSeconds"] = "86400" }, sendBufferBytes: SlowReaderBufferBytes);
        await KnownAndAwayAsync(relay, "reader");
        var alice = await relay.ConnectAsync("alice");
        // 24 MB, far more than the relay can write ahead of a reader when the socket buffers on both ends are fixed: the
        // replay is still going out, page by page, when the oldest messages are removed.
        var filler = new string('x', 60_000);
        var seqs = new List<long>();
        for (var i = 0; i < 400; i++)
        {
            seqs.Add((await alice.BroadcastAsync(Json.Of(filler), $"m{i}")).Seq);
        }

        using var socket = await HelloOnPlainSocketAsync(relay, "reader");
        var frames = new List<JsonElement>();
        await ReadFramesAsync(socket, frames, until: f => f.Str("sender") == "alice");
        await relay.Services.GetRequiredService<IMessageStore>().PruneAsync(DateTimeOffset.MinValue, keepNewest: 100, CancellationToken.None);
        await ReadFramesAsync(socket, frames, until: f => f.Str("message_id") == "m399");

        var messages = frames.Where(f => f.Str("sender") == "alice").Select(f => f.Long("seq")).ToList();
        var notice = frames.Single(f => f.ErrorCode() == ErrorCodes.ResumeTooOld);
        var noticeAt = frames.IndexOf(notice);
        Assert.That(notice.Long("oldest_seq"), Is.EqualTo(seqs[300]));
        Assert.That(frames.Skip(noticeAt + 1).Where(f => f.Str("sender") == "alice").Select(f => f.Long("seq")), Is.EqualTo(seqs.Skip(300)),
            "after the notice, exactly what is still held");
        Assert.That(frames.Take(noticeAt).Where(f => f.Str("sender") == "alice").Select(f => f.Long("seq")), Is.EqualTo(seqs.Take(messages.Count - 100)),
            "before it, the oldest messages without a gap");
    }

    [Test]
    public async Task A_backlog_page_says_where_the_store_began_when_the_page_was_read()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Retention:SweepSeconds"] = "86400" });
        var alice = await relay.ConnectAsync("alice");
        var seqs = new List<long>();
        for (var i = 0; i < 400; i++)
        {
            seqs.Add((await alice.BroadcastAsync(Json.Of($"m{i}"), $"m{i}")).Seq);
        }
        var store = relay.Services.GetRequiredService<IMessageStore>();
        var everything = new BacklogRange("reader", seqs[0] - 1, seqs[0] - 1, seqs[^1]);

        // Retention takes the oldest ten at a time while pages from the start are read as fast as they come: a removal
        // committed between reading the bounds and reading the page would show as a page starting past HeldFrom.
        var pruning = Task.Run(async () =>
        {
            for (var keep = seqs.Count - 10; keep >= 0; keep -= 10)
            {
                await store.PruneAsync(DateTimeOffset.MinValue, keep, CancellationToken.None);
            }
        });
        var pages = new List<BacklogPage>();
        while (!pruning.IsCompleted)
        {
            pages.Add(await store.BacklogAsync(everything, 1, CancellationToken.None));
        }
        await pruning;

        Assert.That(pages.Where(p => p.Messages.Count > 0).Select(p => p.Messages[0].Seq - p.HeldFrom).Distinct().ToList(), Is.EqualTo(new[] { 0L }),
            "every page begins with the oldest message held as it was read");
        Assert.That(pages.Where(p => p.Messages.Count == 0).Select(p => p.HeldFrom).Distinct().ToList(), Is.SubsetOf(new[] { seqs[^1] + 1 }),
            "an empty page was read from an empty store");
    }
}
