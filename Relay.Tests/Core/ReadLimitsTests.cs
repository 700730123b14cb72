using System.Net;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// History costs the relay a read per request and a row per message, and a list of agents a row per agent, so what
/// one agent may read is bounded (<c>Relay:Limits:ReadRowsPerSecond</c>), and reads of the store take turns
/// (<c>Relay:Storage:MaxConcurrentReads</c>) so that however many agents ask, they cannot take every thread from
/// the traffic.
/// </summary>
public sealed class ReadLimitsTests
{
    [Test]
    public async Task History_past_an_agents_row_budget_gets_RATE_LIMITED_at_every_door_while_other_agents_are_served()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MaxHistoryLimit"] = "10",
            ["Relay:Limits:ReadRowsBurst"] = "15",
            ["Relay:Limits:ReadRowsPerSecond"] = "1",
        });
        await using var greedy = await V03Async(relay, "greedy");
        var hubAgent = await relay.ConnectAsync("greedy-hub");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };
        const string request = """{"protocol_version":"0.3","message_type":"REQUEST_HISTORY","sender":"greedy","limit":10}""";

        await greedy.SendAsync(request);
        var first = await ReplyAsync(greedy);
        await greedy.SendAsync(request);
        var second = await ReplyAsync(greedy);
        await hubAgent.HistoryAsync(new HistoryQuery { Limit = 10 });
        var hubRefusal = Assert.ThrowsAsync<HubException>(() => hubAgent.HistoryAsync(new HistoryQuery { Limit = 10 }));
        using var httpFirst = await http.GetAsync("/api/history?agent=greedy-http&limit=10");
        // With auth off a request may name any agent, so over HTTP the client's address is the reader.
        using var httpSecond = await http.GetAsync("/api/history?agent=fresh-name&limit=10");

        Assert.Multiple(async () =>
        {
            Assert.That(first.Str("message_type"), Is.EqualTo("HISTORY_RESPONSE"), first.ToString());
            Assert.That(second.ErrorCode(), Is.EqualTo(ErrorCodes.RateLimited), second.ToString());
            Assert.That(hubRefusal!.Message, Does.Contain($"{ErrorCodes.RateLimited}: Too many history rows"));
            Assert.That(httpFirst.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(httpSecond.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            var refusal = await httpSecond.Content.ReadFromJsonAsync(RelayJsonContext.Default.RelayError);
            Assert.That(refusal!.Code, Is.EqualTo(ErrorCodes.RateLimited));
            Assert.That(httpSecond.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));

            await greedy.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY","sender":"greedy","limit":5}""");
            var smaller = await ReplyAsync(greedy);
            Assert.That(smaller.Str("message_type"), Is.EqualTo("HISTORY_RESPONSE"), "a smaller page fits what is left: " + smaller);
            await using var other = await V03Async(relay, "other");
            await other.SendAsync(request.Replace("greedy", "other", StringComparison.Ordinal));
            Assert.That((await ReplyAsync(other)).Str("message_type"), Is.EqualTo("HISTORY_RESPONSE"));
        });
    }

    [Test]
    public async Task Listing_agents_counts_each_agent_listed_against_the_same_budget_and_a_list_longer_than_the_burst_takes_all_of_it()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:ReadRowsBurst"] = "2",
            ["Relay:Limits:ReadRowsPerSecond"] = "1",
        });
        var lister = await relay.ConnectAsync("lister");
        await relay.ConnectAsync("a");
        await relay.ConnectAsync("b");

        var listed = await lister.AgentsAsync();
        var refused = Assert.ThrowsAsync<HubException>(() => lister.AgentsAsync());
        var other = await relay.ConnectAsync("other");

        Assert.Multiple(async () =>
        {
            Assert.That(listed.Select(a => a.Id), Is.EqualTo(new[] { "a", "b", "lister" }), "every known agent, by id");
            Assert.That(refused!.Message, Does.Contain($"{ErrorCodes.RateLimited}: Agents listed too often"),
                "a list longer than the burst takes all of it");
            Assert.That(await other.AgentsAsync(), Has.Count.EqualTo(4), "another agent has a budget of its own");
        });
    }

    [Test]
    public async Task A_client_listing_more_agents_than_its_read_burst_gets_every_page_slowed_to_its_budget()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MaxReplyBytes"] = "65536",
            ["Relay:Limits:ReadRowsBurst"] = "10",
            ["Relay:Limits:ReadRowsPerSecond"] = "5",
        });
        // About nine agents of 7 KB metadata to a page of 64 KiB: the second page alone is past what the first left.
        var about = new string('a', 7000);
        var known = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var agent = $"agent-{i:D2}";
            await using var client = await RawSocketClient.ConnectAsync(relay);
            await client.SendAsync($$$"""{"protocol_version":"0.3","message_type":"HELLO","sender":"{{{agent}}}","capabilities":{"about":"{{{about}}}"}}""");
            Assert.That((await client.NextAsync("WELCOME")).Str("message_type"), Is.EqualTo("WELCOME"));
            known.Add(agent);
        }
        var lister = await relay.ConnectAsync("lister");

        var listed = await lister.AgentsAsync();

        Assert.That(listed.Select(a => a.Id), Is.EquivalentTo(known.Append("lister")), "a list once begun is read to its end");
    }

    [Test]
    public async Task Listing_agents_over_http_without_auth_counts_against_the_clients_address_which_no_agent_can_name()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:ReadRowsBurst"] = "2",
            ["Relay:Limits:ReadRowsPerSecond"] = "1",
        });
        // Named after the address the HTTP reads come from: its own list must not spend theirs.
        var namesake = await relay.ConnectAsync("127.0.0.1");
        await relay.ConnectAsync("a");
        await relay.ConnectAsync("b");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        var hubListed = await namesake.AgentsAsync();
        using var first = await http.GetAsync("/api/agents");
        // A fresh name on the query changes nothing: the address is the reader.
        using var second = await http.GetAsync("/api/agents?agent=fresh");

        Assert.Multiple(async () =>
        {
            Assert.That(hubListed, Has.Count.EqualTo(3));
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var page = await first.Content.ReadFromJsonAsync(RelayJsonContext.Default.IReadOnlyListAgentInfo);
            Assert.That(page!.Select(a => a.Id), Is.EqualTo(new[] { "127.0.0.1", "a", "b" }));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            var refusal = await second.Content.ReadFromJsonAsync(RelayJsonContext.Default.RelayError);
            Assert.That(refusal!.Code, Is.EqualTo(ErrorCodes.RateLimited));
            Assert.That(second.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public async Task A_replay_of_messages_the_agent_had_is_slowed_to_its_read_budget_and_still_brings_every_one_in_order()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:ReadRowsBurst"] = "100",
            ["Relay:Limits:ReadRowsPerSecond"] = "100",
        });
        const int messages = 600;
        var sent = await SendAsync(relay, messages);

        // Resuming from 0 asks for every message again. Replay pages hold 256; past the burst each costs the whole
        // burst, a second of refill.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var late = await relay.ConnectAsync("late", resumeFrom: 0);
        var replayed = await Wait.NextAsync(late.Messages, messages);
        var replayedIn = clock.Elapsed;

        Assert.Multiple(() =>
        {
            Assert.That(replayed.Select(e => e.Seq), Is.EqualTo(sent), "every message, once, in order");
            Assert.That(replayedIn, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.5)), "the second and third pages waited for the budget");
        });
    }

    [Test]
    public async Task What_an_agent_missed_is_replayed_without_counting_against_its_read_budget()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:ReadRowsBurst"] = "100",
            ["Relay:Limits:ReadRowsPerSecond"] = "1",
        });
        await (await V03Async(relay, "away")).DisposeAsync();
        await UntilOnlineAsync(relay, "away", online: false);
        const int messages = 600;
        var sent = await SendAsync(relay, messages);

        await using var away = await V03Async(relay, "away");
        var replayed = new List<long>();
        for (var i = 0; i < messages; i++)
        {
            replayed.Add((await away.NextV03MessageAsync()).GetProperty("seq").GetInt64());
        }
        await away.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY","sender":"away","limit":100}""");
        var history = await ReplyAsync(away);

        Assert.Multiple(() =>
        {
            Assert.That(replayed, Is.EqualTo(sent), "every missed message, once, in order");
            Assert.That(history.Str("message_type"), Is.EqualTo("HISTORY_RESPONSE"), "the whole budget is left: " + history);
        });
    }

    /// <summary>Broadcasts <paramref name="messages"/> from a v0.3 agent, and returns their seqs once all are ACKed.</summary>
    private static async Task<List<long>> SendAsync(TestRelay relay, int messages)
    {
        await using var sender = await V03Async(relay, "sender");
        for (var i = 0; i < messages; i++)
        {
            await sender.SendAsync(Message("sender", $"m{i}", "missed"));
        }
        var sent = new List<long>();
        for (var i = 0; i < messages; i++)
        {
            sent.Add((await sender.NextOfAsync("message_type", "ACK")).GetProperty("seq").GetInt64());
        }
        return sent;
    }

    [Test]
    [SupportedOSPlatform("linux")]
    public async Task Reads_stuck_on_a_locked_store_hold_one_thread_so_the_relay_still_answers_pings_and_then_every_read()
    {
        // Its own process: the lock below conflicts with SQLite's only across processes.
        using var data = new TempDirectory();
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"), new Dictionary<string, string?>
        {
            ["Relay__Storage__MaxConcurrentReads"] = "1",
            // Every read below comes from one address; its budget is not what this test is about.
            ["Relay__Limits__ReadRowsBurst"] = "1000000",
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });
        await using var pinger = await V03Async(relay.RawDoorUri, "pinger");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = TimeSpan.FromSeconds(60) };
        const int readers = 200;
        Task<HttpResponseMessage>[] reads;

        using (StoreReadLock.Take(data.File("relay.db")))
        {
            reads = [.. Enumerable.Range(0, readers).Select(i => http.GetAsync($"/api/history?agent=reader{i}"))];
            // Each request is logged as it starts, before its read is queued or stuck.
            await Wait.UntilAsync(() => Regex.Count(relay.Output, "Request starting [^\n]*/api/history") == readers, "every read to start");
            await pinger.SendAsync("""{"protocol_version":"0.3","message_type":"PING","sender":"pinger"}""");
            await pinger.NextWhereAsync(f => f.Str("message_type") == "PONG", "PONG while every read waits for the store");
            Assert.That(reads.Where(r => r.IsCompleted), Is.Empty, "the store was locked for reads");
        }

        var answers = await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(answers.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    private static Task<JsonElement> ReplyAsync(RawSocketClient agent) =>
        agent.NextWhereAsync(f => f.Str("message_type") is "HISTORY_RESPONSE" or "ERROR", "a history page or a refusal");
}
