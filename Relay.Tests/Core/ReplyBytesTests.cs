using System.Text;
using System.Text.Json;
using SignalRelay.Server.Storage;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// A history reply or a replay page stops once its messages pass <c>Relay:Limits:MaxReplyBytes</c>: a thousand large
/// messages in one reply would be held in memory, whole, until a client that may never read took it. The read itself
/// stops there too, so such a request costs the store what the reply holds. The agent list comes in such pages.
/// </summary>
public sealed class ReplyBytesTests
{
    // Two of these fit under the bound below, a third does not.
    private static readonly string Large = new('r', 25_000);

    private static Task<TestRelay> StartAsync(string? databasePath = null) => TestRelay.StartAsync(new Dictionary<string, string?>
    {
        ["Relay:Limits:MaxReplyBytes"] = "65536",
    }, databasePath);

    [Test]
    public async Task History_stops_at_the_reply_bound_and_pages_on_by_seq_to_every_message()
    {
        await using var relay = await StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            seqs.Add((await alice.BroadcastAsync(Json.Of(Large), $"large{i}")).Seq);
        }

        var newest = await alice.HistoryAsync(new HistoryQuery { Limit = 5 });
        var paged = new List<long>();
        var pages = 0;
        for (long after = 0; ; pages++)
        {
            var page = await alice.HistoryAsync(new HistoryQuery { SinceSeq = after, Limit = 5 });
            if (page.Count == 0)
            {
                break;
            }
            paged.AddRange(page.Select(e => e.Seq));
            after = page[^1].Seq;
        }
        Assert.Multiple(() =>
        {
            Assert.That(newest.Select(e => e.Seq), Is.EqualTo(seqs.TakeLast(2)), "with no bound: the newest that fit");
            Assert.That(paged, Is.EqualTo(seqs), "paging by seq reaches every message, once, in order");
            Assert.That(pages, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task Replay_goes_on_past_pages_cut_short_by_the_reply_bound()
    {
        await using var relay = await StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bobFirst = await relay.ConnectAsync("bob");
        await bobFirst.DisposeAsync();
        await ReplayTests.WaitOffline(relay, "bob");

        var missed = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            missed.Add((await alice.BroadcastAsync(Json.Of(Large), $"missed{i}")).Seq);
        }
        // The head of the bus is not for bob, so his replay ends on an empty page rather than at the head.
        await alice.DirectAsync("carol", Json.Of("not for bob"), "for-carol");

        var bob = await relay.ConnectAsync("bob");
        var replayed = await Wait.NextAsync(bob.Messages, missed.Count);
        var live = await alice.BroadcastAsync(Json.Of("live"), "live");
        Assert.Multiple(async () =>
        {
            Assert.That(replayed.Select(e => e.Seq), Is.EqualTo(missed));
            Assert.That((await Wait.NextAsync(bob.Messages)).Seq, Is.EqualTo(live.Seq));
        });
    }

    [TestCase(25_000, 2)]
    [TestCase(100_000, 1)]
    public async Task A_read_stops_taking_rows_from_the_store_at_the_cut(int contentLength, int fit)
    {
        var pulled = 0;
        async IAsyncEnumerable<MessageRow> Rows()
        {
            for (var i = 0; i < 1000; i++)
            {
                await Task.Yield();
                pulled++;
                yield return new MessageRow { MessageId = $"m{i}", Kind = "broadcast", FromAgent = "alice", Content = new string('r', contentLength) };
            }
        }

        var page = await ReplyBytes.TakeWithinAsync(Rows(), 65536, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(page.Select(r => r.MessageId), Is.EqualTo(Enumerable.Range(0, fit).Select(i => $"m{i}")), "the first that fit, and always one");
            Assert.That(pulled, Is.EqualTo(fit + 1), "one row past the cut is read, none after it");
        });
    }

    [Test]
    public async Task The_agent_list_comes_in_pages_within_the_reply_bound_at_the_hub_and_over_http_and_the_client_reads_every_page()
    {
        await using var relay = await StartAsync();
        // Nine of these fit under the bound, with their ids.
        var metadata = Json.Of(new string('m', 7000));
        var names = Enumerable.Range(0, 20).Select(i => $"agent{i:D2}").ToList();
        foreach (var name in names)
        {
            await (await relay.ConnectAsync(name)).AnnounceAsync(metadata);
        }
        var lister = await relay.ConnectAsync("lister");
        await using var wire = await HubWire.ConnectAsync(relay, "wire");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        var hubPages = await PagesAsync(async after => (await wire.CompleteAsync(
            after is null ? HubProtocol.Agents : HubProtocol.AgentsAfter, after is null ? "" : JsonSerializer.Serialize(after))).GetProperty("result"));
        var httpPages = await PagesAsync(async after => JsonSerializer.Deserialize<JsonElement>(await http.GetStringAsync(
            after is null ? "/api/agents" : $"/api/agents?after={Uri.EscapeDataString(after)}")));
        var all = await lister.AgentsAsync();

        var expected = names.Append("lister").Append("wire").Order(StringComparer.Ordinal).ToList();
        Assert.Multiple(() =>
        {
            foreach (var pages in new[] { hubPages, httpPages })
            {
                Assert.That(pages.Select(p => p.Count), Is.EqualTo(new[] { 9, 9, 4, 0 }), "pages of nine agents with metadata, then the rest");
                Assert.That(pages.SelectMany(p => p), Is.EqualTo(expected), "every agent once, by id");
            }
            Assert.That(all.Select(a => a.Id), Is.EqualTo(expected), "the client pages on by itself");
            Assert.That(all.Where(a => a.Id.StartsWith("agent", StringComparison.Ordinal)).Select(a => a.Metadata?.GetString()),
                Is.All.EqualTo(metadata.GetString()));
        });
    }

    [Test]
    public async Task An_http_page_of_markup_characters_stays_within_the_reply_bound()
    {
        await using var relay = await StartAsync();
        // As stored, two of these messages fit under the bound, and nine of these agents.
        var markup = new string('<', 25_000);
        var alice = await relay.ConnectAsync("alice");
        for (var i = 0; i < 3; i++)
        {
            await alice.BroadcastAsync(Json.Of(markup), $"markup{i}");
        }
        for (var i = 0; i < 12; i++)
        {
            await (await relay.ConnectAsync($"agent{i:D2}")).AnnounceAsync(Json.Of(markup[..7000]));
        }
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        var history = await http.GetByteArrayAsync("/api/history?agent=alice&limit=3");
        var agents = await http.GetByteArrayAsync("/api/agents");

        Assert.Multiple(() =>
        {
            Assert.That(JsonSerializer.Deserialize<JsonElement>(history).GetArrayLength(), Is.EqualTo(2));
            Assert.That(history.Length, Is.LessThanOrEqualTo(65536), "the history page as sent");
            Assert.That(agents.Length, Is.LessThanOrEqualTo(65536), "the agent page as sent");
        });
    }

    [Test]
    public async Task A_hub_history_page_of_markup_or_non_ascii_text_stays_within_the_reply_bound_as_sent()
    {
        await using var relay = await StartAsync();
        // As stored (UTF-8, as a raw agent sends it), two of each fit under the bound; the hub's JSON sent each of these
        // characters as a six-byte escape.
        var texts = new[] { new string('<', 25_000), new string('\u00e9', 12_500), new string('\u4e2d', 8_000) };
        for (var i = 0; i < texts.Length; i++)
        {
            await using var writer = await V03Async(relay, $"writer{i}");
            var seqs = new List<long>();
            for (var m = 0; m < 3; m++)
            {
                await writer.SendAsync(Message($"writer{i}", $"m{m}", texts[i]));
                seqs.Add((await writer.NextOfAsync("message_type", "ACK")).Long("seq"));
            }

            await using var wire = await HubWire.ConnectAsync(relay, $"reader{i}");
            var page = await wire.CompleteAsync("History", $$"""{"since_seq":{{seqs[0] - 1}},"limit":3}""");
            Assert.Multiple(() =>
            {
                Assert.That(page.GetProperty("result").GetArrayLength(), Is.EqualTo(2), texts[i][..1]);
                Assert.That(Encoding.UTF8.GetByteCount(page.GetRawText()), Is.LessThanOrEqualTo(65536), $"the page of '{texts[i][..1]}' as sent");
            });
        }
    }

    [Test]
    public async Task A_page_of_many_agents_with_short_ids_stays_within_the_reply_bound_as_sent()
    {
        using var data = new TempDirectory();
        var path = data.File("relay.db");
        // Known from an earlier run: two thousand ids of five characters, no metadata, about 90 bytes each as JSON.
        await using (await StartAsync(path))
        {
        }
        using (var store = StoreFile.Open(path))
        using (var insert = store.CreateCommand())
        {
            insert.CommandText = string.Concat(Enumerable.Range(0, 2000).Select(i =>
                $"INSERT INTO presence (agent_id, status, last_seen_ms, cursor, protocol) VALUES ('a{i:D4}', 'offline', 0, 0, 'v0.3');"));
            insert.ExecuteNonQuery();
        }
        await using var relay = await StartAsync(path);
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        var page = await http.GetByteArrayAsync("/api/agents");

        Assert.That(page.Length, Is.LessThanOrEqualTo(65536), $"{JsonSerializer.Deserialize<JsonElement>(page).GetArrayLength()} agents in one page");
    }

    /// <summary>Every page of the agent list, each asked for after the last id of the one before, up to the empty one.</summary>
    private static async Task<List<List<string>>> PagesAsync(Func<string?, Task<JsonElement>> page)
    {
        var pages = new List<List<string>> { Ids(await page(null)) };
        while (pages[^1].Count > 0)
        {
            pages.Add(Ids(await page(pages[^1][^1])));
        }
        return pages;
    }

    private static List<string> Ids(JsonElement agents) => [.. agents.EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];
}
