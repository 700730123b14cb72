namespace SignalRelay.Tests.Core;

/// <summary>
/// Receive times never decrease along seq, which is what lets history and retention by time find their bounds
/// by bisecting seq. The relay runs on a clock the test sets, so every stamp is known.
/// </summary>
public sealed class ReceiveTimeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_message_stamped_while_the_clock_stepped_back_gets_the_time_of_the_one_before_it()
    {
        var clock = new SettableClock(T0.AddSeconds(10));
        await using var relay = await TestRelay.StartAsync(clock: clock);
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        var first = await alice.BroadcastAsync(Json.Of("first"), "first");
        clock.Now = T0;
        var second = await alice.BroadcastAsync(Json.Of("second"), "second");
        var delivered = await Wait.NextAsync(bob.Messages, 2);
        var history = await bob.HistoryAsync(new HistoryQuery { SinceTime = T0.AddSeconds(10) });

        Assert.Multiple(() =>
        {
            Assert.That(first.ReceivedAt, Is.EqualTo(T0.AddSeconds(10)));
            Assert.That(second.ReceivedAt, Is.EqualTo(first.ReceivedAt), "the ACK");
            Assert.That(delivered.Select(e => e.ReceivedAt), Is.EqualTo(new[] { first.ReceivedAt, first.ReceivedAt }), "the deliveries");
            Assert.That(history.Select(e => e.Id), Is.EqualTo(new[] { "first", "second" }));
        });
    }

    [Test]
    public async Task A_restarted_relay_stamps_nothing_earlier_than_the_newest_message_it_holds()
    {
        using var directory = new TempDirectory();
        var path = directory.File("relay.db");
        DateTimeOffset before;
        await using (var relay = await TestRelay.StartAsync(databasePath: path, clock: new SettableClock(T0.AddMinutes(1))))
        {
            before = (await (await relay.ConnectAsync("alice")).BroadcastAsync(Json.Of("before"), "before")).ReceivedAt;
        }

        await using var restarted = await TestRelay.StartAsync(databasePath: path, clock: new SettableClock(T0));
        var after = await (await restarted.ConnectAsync("alice")).BroadcastAsync(Json.Of("after"), "after");

        Assert.That(after.ReceivedAt, Is.EqualTo(before));
    }

    [Test]
    public async Task History_by_time_starts_at_the_first_message_received_at_or_after_it()
    {
        var clock = new SettableClock(T0);
        await using var relay = await TestRelay.StartAsync(clock: clock);
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        for (var i = 0; i < 20; i++)
        {
            clock.Now = T0.AddSeconds(i);
            await alice.BroadcastAsync(Json.Of($"{i}"), $"b{i}");
            // Seqs bob cannot see, and a resend that takes none, between the ones he can.
            await alice.DirectAsync("carol", Json.Of($"{i}"), $"d{i}");
            await alice.BroadcastAsync(Json.Of($"{i}"), $"b{i}");
        }

        async Task<string[]> Since(double seconds) =>
            (await bob.HistoryAsync(new HistoryQuery { SinceTime = T0.AddSeconds(seconds) })).Select(e => e.Id).ToArray();

        Assert.Multiple(async () =>
        {
            Assert.That(await Since(-1), Is.EqualTo(Broadcasts(0, 20)), "before everything");
            Assert.That(await Since(0), Is.EqualTo(Broadcasts(0, 20)), "at the oldest");
            Assert.That(await Since(12), Is.EqualTo(Broadcasts(12, 8)), "at a stamp");
            Assert.That(await Since(12.5), Is.EqualTo(Broadcasts(13, 7)), "between stamps");
            Assert.That(await Since(19), Is.EqualTo(Broadcasts(19, 1)), "at the newest");
            Assert.That(await Since(19.001), Is.Empty, "after everything");
        });
    }

    [Test]
    public async Task Retention_by_age_removes_exactly_the_messages_received_before_the_cutoff()
    {
        var clock = new SettableClock(T0);
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Retention:MaxAgeHours"] = "0.001", // 3.6 s
            ["Relay:Retention:SweepSeconds"] = "1",
        }, clock: clock);
        var alice = await relay.ConnectAsync("alice");
        for (var i = 0; i < 10; i++)
        {
            clock.Now = T0.AddSeconds(i);
            await alice.BroadcastAsync(Json.Of($"{i}"), $"b{i}");
        }

        clock.Now = T0.AddSeconds(9.6); // the cutoff is b6's stamp, which stays
        await Wait.UntilAsync(() => StoredIds(relay).Length == 4, "retention removes the messages older than 3.6 s");
        Assert.That(StoredIds(relay), Is.EqualTo(Broadcasts(6, 4)));
    }

    private static string[] Broadcasts(int first, int count) => Enumerable.Range(first, count).Select(i => $"b{i}").ToArray();

    private static string[] StoredIds(TestRelay relay)
    {
        using var db = relay.OpenDatabase();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT message_id FROM messages ORDER BY seq";
        using var reader = cmd.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
        return [.. ids];
    }
}
