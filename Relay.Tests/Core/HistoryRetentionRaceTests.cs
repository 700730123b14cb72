using SignalRelay.Server.Core;

namespace SignalRelay.Tests.Core;

/// <summary>History read while retention deletes under it.</summary>
public sealed class HistoryRetentionRaceTests
{
    [Test]
    public async Task A_since_time_history_read_while_retention_empties_the_store_returns_nothing_instead_of_failing()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Retention:SweepSeconds"] = "86400" });
        var store = relay.Services.GetRequiredService<IMessageStore>();
        var t0 = DateTimeOffset.UtcNow;
        var failures = new List<Exception>();
        // Each round stores ten messages a millisecond apart, then empties the store while since_time reads (past the
        // oldest, so they search by receive time) run beside it. A read that found the oldest row and then asked for the
        // newest seq of a store emptied in between failed.
        for (var round = 0; round < 200 && failures.Count == 0; round++)
        {
            var batch = Enumerable.Range(0, 10)
                .Select(i => new Envelope { Id = $"r{round}-{i}", Kind = "broadcast", From = "alice", Content = Json.Of("x"), ReceivedAt = t0.AddMilliseconds(round * 100 + i) })
                .ToList();
            await store.AppendAsync(batch, CancellationToken.None);
            var since = new HistoryQuery { SinceTime = (await store.HistoryAsync("reader", new HistoryQuery { Limit = 1 }, 1, CancellationToken.None))[0].ReceivedAt };
            using var stop = new CancellationTokenSource();
            var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await store.HistoryAsync("reader", since, 10, CancellationToken.None);
                    }
                    catch (Exception ex)
                    {
                        lock (failures)
                        {
                            failures.Add(ex);
                        }
                    }
                }
            })).ToList();
            await store.PruneAsync(DateTimeOffset.MinValue, keepNewest: 0, CancellationToken.None);
            await stop.CancelAsync();
            await Task.WhenAll(readers);
        }

        Assert.That(failures.Select(f => $"{f.GetType().Name}: {f.Message}").Distinct(), Is.Empty);
    }
}
