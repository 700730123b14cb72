using SignalRelay.Client;

namespace SignalRelay.Tests.Core;

/// <summary>The relay as a real process killed with SIGKILL while a retention pass deletes, one message per write turn.</summary>
public sealed class RetentionKillTests
{
    private const int Backlog = 1500;
    private const int Kept = 20;

    [Test]
    public async Task Kill_9_during_a_retention_pass_leaves_an_unbroken_run_of_the_newest_messages_and_no_seq_is_handed_out_again()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        var acked = new List<SendAck>();
        var next = 0;
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db, Unlimited(retention: false)))
        await using (var sender = await ConnectAsync(relay))
        {
            while (acked.Count < Backlog)
            {
                acked.Add(await sender.BroadcastAsync(Json.Of("old"), $"m{next++}"));
            }
        }

        var pruning = Unlimited(retention: true);
        var highestBefore = acked.Max(a => a.Seq);
        // A start runs a pass at once: it has a backlog to delete one by one, and traffic goes on beside it.
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db, pruning))
        await using (var sender = await ConnectAsync(relay))
        {
            var sent = 0;
            while (OldestSeq(db) <= acked[0].Seq + Backlog / 10)
            {
                var ack = await sender.BroadcastAsync(Json.Of("during the pass"), $"m{next++}");
                Assert.That(ack.Seq, Is.GreaterThan(highestBefore), "a seq handed out again");
                acked.Add(ack);
                Assert.That(++sent, Is.LessThan(100_000), "the pass never got under way");
            }
            Assert.That(OldestSeq(db), Is.LessThan(acked[0].Seq + Backlog - Kept), "the pass is still under way");

            relay.Kill();
            await relay.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        highestBefore = acked.Max(a => a.Seq);
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db, pruning))
        await using (var sender = await ConnectAsync(relay))
        {
            var after = await sender.BroadcastAsync(Json.Of("after the restart"), $"m{next++}");
            Assert.That(after.Seq, Is.GreaterThan(highestBefore), "a seq handed out again");
            acked.Add(after);
            await Wait.UntilAsync(() => OldestSeq(db) > after.Seq - Kept, "the restarted relay's pass keeps the newest", TimeSpan.FromSeconds(60));
        }

        var stored = StoredSeqs(db);
        var oldest = stored[0];
        Assert.Multiple(() =>
        {
            Assert.That(IntegrityCheck(db), Is.EqualTo("ok"));
            Assert.That(stored, Is.EqualTo(Enumerable.Range(0, stored.Count).Select(i => oldest + i)), "the newest messages, without a hole");
            Assert.That(stored.ToHashSet().SetEquals(acked.Where(a => a.Seq >= oldest).Select(a => a.Seq)), Is.True,
                "every acknowledged message retention had not reached is stored");
            Assert.That(acked.Select(a => a.Seq).Distinct().Count(), Is.EqualTo(acked.Count), "one seq for each message");
        });
    }

    private static Dictionary<string, string?> Unlimited(bool retention) => new()
    {
        ["Relay__Limits__MessagesPerSecond"] = "100000",
        ["Relay__Limits__Burst"] = "100000",
        ["Relay__Retention__MaxMessages"] = retention ? $"{Kept}" : "1000000",
        ["Relay__Retention__DeleteBatchSize"] = "1",
        ["Relay__Retention__SweepSeconds"] = retention ? "1" : "3600",
    };

    private static async Task<RelayClient> ConnectAsync(RelayProcess relay)
    {
        var client = new RelayClient(new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = "sender", ReconnectDelays = [] });
        await client.ConnectAsync();
        return client;
    }

    private static long OldestSeq(string db) => (long)Scalar(db, "SELECT COALESCE(MIN(seq), 0) FROM messages")!;

    private static string IntegrityCheck(string db) => (string)Scalar(db, "PRAGMA integrity_check")!;

    private static object? Scalar(string db, string sql)
    {
        using var connection = StoreFile.Open(db);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<long> StoredSeqs(string db)
    {
        using var connection = StoreFile.Open(db);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM messages ORDER BY seq";
        using var reader = command.ExecuteReader();
        var seqs = new List<long>();
        while (reader.Read())
        {
            seqs.Add(reader.GetInt64(0));
        }
        return seqs;
    }
}
