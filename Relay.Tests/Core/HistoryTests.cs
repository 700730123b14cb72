using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;

namespace SignalRelay.Tests.Core;

public sealed class HistoryTests
{
    [Test]
    public async Task A_hub_history_call_sees_the_sends_the_same_connection_made_before_it()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var missing = new List<string>();
        // SignalR runs one connection's calls side by side: a send not waited for is still being committed.
        for (var i = 0; i < 20; i++)
        {
            var send = alice.BroadcastAsync(Json.Of($"m{i}"), $"m{i}");
            var history = await alice.HistoryAsync(new HistoryQuery { Limit = 5 });
            await send;
            if (!history.Any(e => e.Id == $"m{i}"))
            {
                missing.Add($"m{i}");
            }
        }

        Assert.That(missing, Is.Empty);
    }

    [Test]
    public async Task History_returns_the_newest_ascending_within_the_limit_and_pages_forward_by_seq()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var seqs = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            seqs.Add((await alice.BroadcastAsync(Json.Of($"h{i}"), $"h{i}")).Seq);
        }

        var newest = await alice.HistoryAsync(new HistoryQuery { Limit = 3 });
        var page = await alice.HistoryAsync(new HistoryQuery { SinceSeq = seqs[2], Limit = 2 });
        var all = await alice.HistoryAsync();
        Assert.Multiple(() =>
        {
            Assert.That(newest.Select(e => e.Seq), Is.EqualTo(seqs.TakeLast(3)));
            Assert.That(page.Select(e => e.Seq), Is.EqualTo(new[] { seqs[3], seqs[4] }));
            Assert.That(all.Select(e => e.Seq), Is.EqualTo(seqs));
            Assert.That(all[0].Content.GetString(), Is.EqualTo("h0"));
        });
    }

    [Test]
    public async Task History_by_server_time_ignores_client_timestamps_and_hides_other_agents_directs()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        var old = await alice.SendAsync(new SendRequest { Id = "old", Content = Json.Of("old"), SentAt = "1999-01-01T00:00:00Z" });
        var secret = await alice.DirectAsync("carol", Json.Of("for carol only"), "secret");
        var toBob = await alice.DirectAsync("bob", Json.Of("for bob"), "to-bob");

        var sinceOld = await bob.HistoryAsync(new HistoryQuery { SinceTime = old.ReceivedAt });
        var future = await bob.HistoryAsync(new HistoryQuery { SinceTime = DateTimeOffset.UtcNow.AddMinutes(5) });
        Assert.Multiple(() =>
        {
            Assert.That(sinceOld.Select(e => e.Id), Is.EqualTo(new[] { "old", "to-bob" }), "bob sees broadcasts and his own directs");
            Assert.That(sinceOld[0].SentAt, Is.EqualTo("1999-01-01T00:00:00Z"), "the client's timestamp is kept as given");
            Assert.That(future, Is.Empty);
            Assert.That(secret.Seq, Is.LessThan(toBob.Seq));
        });
    }

    [Test]
    public async Task History_merges_broadcasts_directs_to_the_viewer_and_directs_it_sent_each_once_in_seq_order()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        var carol = await relay.ConnectAsync("carol");
        var seen = new List<long>
        {
            (await alice.BroadcastAsync(Json.Of("b1"), "b1")).Seq,
            (await alice.DirectAsync("bob", Json.Of("to bob"), "d1")).Seq,
            (await bob.DirectAsync("carol", Json.Of("from bob"), "d2")).Seq,
        };
        await carol.DirectAsync("alice", Json.Of("not bob's"), "x1");
        seen.Add((await bob.DirectAsync("bob", Json.Of("a note to himself"), "self")).Seq);
        seen.Add((await alice.BroadcastAsync(Json.Of("b2"), "b2")).Seq);
        await alice.DirectAsync("carol", Json.Of("not bob's"), "x2");

        var all = await bob.HistoryAsync();
        var newest = await bob.HistoryAsync(new HistoryQuery { Limit = 3 });
        var page = await bob.HistoryAsync(new HistoryQuery { SinceSeq = seen[0], Limit = 2 });
        Assert.Multiple(() =>
        {
            Assert.That(all.Select(e => e.Seq), Is.EqualTo(seen));
            Assert.That(newest.Select(e => e.Seq), Is.EqualTo(seen.TakeLast(3)));
            Assert.That(page.Select(e => e.Seq), Is.EqualTo(seen.Skip(1).Take(2)));
        });
    }

    [Test]
    public async Task A_negative_bound_is_refused_by_the_hub_and_the_http_endpoint_alike()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        await alice.BroadcastAsync(Json.Of("stored"));
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        var hubRefusal = Assert.ThrowsAsync<HubException>(() => alice.HistoryAsync(new HistoryQuery { SinceSeq = -1 }));
        using var negativeSeq = await http.GetAsync("/api/history?agent=alice&since_seq=-1");
        using var negativeLimit = await http.GetAsync("/api/history?agent=alice&limit=-1");
        var seqRefusal = await negativeSeq.Content.ReadFromJsonAsync(RelayJsonContext.Default.RelayError);
        var limitRefusal = await negativeLimit.Content.ReadFromJsonAsync(RelayJsonContext.Default.RelayError);
        Assert.Multiple(async () =>
        {
            Assert.That(hubRefusal!.Message, Does.Contain($"{ErrorCodes.InvalidMessage}: 'since_seq'"));
            Assert.That(negativeSeq.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(seqRefusal!.Code, Is.EqualTo(ErrorCodes.InvalidMessage));
            Assert.That(seqRefusal.Message, Does.Contain("since_seq"));
            Assert.That(negativeLimit.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(limitRefusal!.Message, Does.Contain("limit"));
            Assert.That(await alice.HistoryAsync(new HistoryQuery { SinceSeq = 0 }), Has.Count.EqualTo(1), "the connection lives on");
        });
    }

    [Test]
    public async Task With_no_limit_every_door_answers_the_newest_hundred()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var acks = await Task.WhenAll(Enumerable.Range(0, 105).Select(i => alice.BroadcastAsync(Json.Of($"m{i}"), $"m{i}")));
        var newest = acks.Skip(5).Select(a => a.Seq).ToList();
        await using var v03 = await Raw.RawAgents.V03Async(relay, "bob");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        var fromHub = await alice.HistoryAsync(new HistoryQuery());
        await v03.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY"}""");
        var fromV03 = (await v03.NextWhereAsync(f => f.TryGetProperty("messages", out _), "HISTORY_RESPONSE"))
            .GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToList();
        var fromHttp = await http.GetFromJsonAsync("/api/history?agent=carol", RelayJsonContext.Default.EnvelopeArray);
        Assert.Multiple(() =>
        {
            Assert.That(fromHub.Select(e => e.Seq), Is.EqualTo(newest), "the hub's History");
            Assert.That(fromV03, Is.EqualTo(newest), "REQUEST_HISTORY");
            Assert.That(fromHttp!.Select(e => e.Seq), Is.EqualTo(newest), "GET /api/history");
        });
    }
}
