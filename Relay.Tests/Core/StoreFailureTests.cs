using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Data.Sqlite;
using SignalRelay.Server.Core;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// The store failing, as a full disk, a failing volume or another process makes it, done to the real database beside
/// the running relay: a trigger aborts the writes it names, the messages table is renamed away so every read of it
/// fails, another connection holds the write lock, or the file is deleted.
/// </summary>
public sealed class StoreFailureTests
{
    [Test]
    public async Task A_message_the_store_refuses_is_refused_to_its_sender_reaches_no_one_and_goes_through_when_sent_again()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        using (StoreSabotage.RefuseInserts(relay.DatabasePath))
        {
            var refused = Assert.ThrowsAsync<HubException>(() => alice.BroadcastAsync(Json.Of("first try"), "m1"));
            Assert.That(refused?.Message, Does.Contain($"{ErrorCodes.StoreUnavailable}: "));
        }

        var ack = await alice.BroadcastAsync(Json.Of("first try"), "m1");
        var marker = await alice.BroadcastAsync(Json.Of("marker"), "m2");
        var atBob = await Wait.NextAsync(bob.Messages, 2);
        Assert.Multiple(() =>
        {
            Assert.That(ack.Duplicate, Is.False, "the refused try was not stored");
            Assert.That(atBob.Select(e => e.Seq), Is.EqualTo(new[] { ack.Seq, marker.Seq }), "the refused try reached no one");
        });
    }

    [Test]
    public async Task Once_the_database_file_is_gone_no_message_is_acknowledged()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        await alice.BroadcastAsync(Json.Of("before"));

        // A lost volume, or a clean-up gone wrong: the relay's open handle still takes commits, into a file that no
        // restart will find.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(relay.DatabasePath)!, "relay.db*"))
        {
            File.Delete(file);
        }

        // The readiness check, and any read, opens connections of its own: none of them may put an empty file in its place.
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.ThrowsAsync<HubException>(() => alice.HistoryAsync());

        var refused = Assert.ThrowsAsync<HubException>(() => alice.BroadcastAsync(Json.Of("after")));
        Assert.Multiple(() =>
        {
            Assert.That(refused?.Message, Does.Contain($"{ErrorCodes.StoreUnavailable}: "));
            Assert.That(File.Exists(relay.DatabasePath), Is.False);
        });
    }

    [Test]
    public async Task A_v03_agent_is_told_STORE_UNAVAILABLE_naming_the_message_and_its_resend_is_acked_as_new()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");

        using (StoreSabotage.RefuseInserts(relay.DatabasePath))
        {
            await alice.SendAsync(Message("alice", "m1", "first try"));
            var error = await alice.NextOfAsync("message_type", "ERROR");
            Assert.Multiple(() =>
            {
                Assert.That(error.ErrorCode(), Is.EqualTo(ErrorCodes.StoreUnavailable));
                Assert.That(error.Str("message_id"), Is.EqualTo("m1"));
                Assert.That(error.GetProperty("recoverable").GetBoolean(), Is.True, "the client may send it again");
            });
        }

        await alice.SendAsync(Message("alice", "m1", "first try"));
        var ack = await alice.NextOfAsync("message_type", "ACK");
        Assert.Multiple(() =>
        {
            Assert.That(ack.Str("message_id"), Is.EqualTo("m1"));
            Assert.That(ack.GetProperty("duplicate").GetBoolean(), Is.False, "the refused try was not stored");
        });
    }

    [Test]
    public async Task An_agent_whose_backlog_cannot_be_read_is_told_STORE_UNAVAILABLE_at_either_door_and_gets_all_of_it_next_time()
    {
        await using var relay = await TestRelay.StartAsync();
        await (await V03Async(relay, "bob")).CloseAsync();
        await UntilOnlineAsync(relay, "bob", online: false);
        await using var alice = await V03Async(relay, "alice");
        foreach (var id in new[] { "m1", "m2", "m3" })
        {
            await alice.SendAsync(Message("alice", id, id));
            await alice.NextOfAsync("message_id", id);
        }

        using (StoreSabotage.HideMessages(relay.DatabasePath))
        {
            await using var bob = await V03Async(relay, "bob");
            var error = await bob.NextOfAsync("message_type", "ERROR");
            Assert.Multiple(() =>
            {
                Assert.That(error.ErrorCode(), Is.EqualTo(ErrorCodes.StoreUnavailable));
                Assert.That(error.GetProperty("recoverable").GetBoolean(), Is.True, "the agent may come back");
                Assert.That(error.Str("error_message"), Does.Not.Contain("SQLite"), "the store's own error stays in the log");
            });
            Assert.That(await bob.ClosedWithinAsync(), Is.EqualTo(System.Net.WebSockets.WebSocketCloseStatus.InternalServerError), "closed, 1011");

            var carol = relay.CreateClient("carol");
            var told = Wait.ForEventAsync<RelayError>(h => carol.ErrorReceived += h, e => e.Code == ErrorCodes.StoreUnavailable, "the hub agent is told");
            try
            {
                await carol.ConnectAsync();
                Assert.That((await told).Recoverable, Is.True);
            }
            catch (HubException refused)
            {
                // The relay closed the connection before it served the client's sign-in call, which then fails with the reason.
                Assert.That(refused.Message, Does.StartWith($"{ErrorCodes.StoreUnavailable}: "));
            }
        }

        await using var back = await V03Async(relay, "bob");
        var replayed = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            replayed.Add((await back.NextV03MessageAsync()).Str("message_id"));
        }
        Assert.That(replayed, Is.EqualTo(new[] { "m1", "m2", "m3" }));
    }

    [Test]
    public async Task A_history_read_the_store_fails_is_answered_STORE_UNAVAILABLE_at_every_door_and_the_agent_carries_on()
    {
        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        var hubAgent = await relay.ConnectAsync("hubby");
        await using var rawAgent = await V03Async(relay, "rawley");

        using (StoreSabotage.HideMessages(relay.DatabasePath))
        {
            var hubRefusal = Assert.ThrowsAsync<HubException>(() => hubAgent.HistoryAsync());
            await rawAgent.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY"}""");
            var rawRefusal = await rawAgent.NextOfAsync("message_type", "ERROR");
            var httpRefusal = await http.GetAsync("/api/history?agent=webby");
            var httpError = Json.Parse(await httpRefusal.Content.ReadAsStringAsync());
            Assert.Multiple(() =>
            {
                Assert.That(hubRefusal?.Message, Does.Contain($"{ErrorCodes.StoreUnavailable}: "));
                Assert.That(rawRefusal.ErrorCode(), Is.EqualTo(ErrorCodes.StoreUnavailable));
                Assert.That(httpRefusal.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(httpError.Str("code"), Is.EqualTo(ErrorCodes.StoreUnavailable));
                Assert.That(httpError.Str("message"), Does.Not.Contain("SQLite"), "the store's own error stays in the log");
            });
        }

        Assert.That(await hubAgent.HistoryAsync(), Is.Empty);
        await rawAgent.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY"}""");
        Assert.That((await rawAgent.NextOfAsync("message_type", "HISTORY_RESPONSE")).GetProperty("messages").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Presence_the_store_refuses_to_save_is_saved_by_a_later_flush()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        // A process of its own, so the test can wait for the failed flush in its log.
        await using var relay = await RelayProcess.StartOnLoopbackAsync(db,
            new Dictionary<string, string?> { ["Relay__Storage__PresenceFlushSeconds"] = "1" });
        var refusal = StoreSabotage.Refuse(db, "INSERT ON presence");
        // Connected throughout, so nothing about bob changes after the refused flush.
        await using var bob = await V03Async(relay.RawDoorUri, "bob");
        await Wait.UntilAsync(() => relay.Output.Contains("The store failed writing agents' presence"), "a presence flush fails");
        refusal.Dispose();

        await Wait.UntilAsync(() => StoreFile.StatusOf(db, "bob") == PresenceStatus.Online, "bob's presence is saved");
    }

    [Test]
    public async Task Readyz_fails_after_a_refused_commit_until_a_commit_succeeds_or_the_hold_has_passed()
    {
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        await using var relay = await TestRelay.StartAsync(clock: clock);
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        var alice = await relay.ConnectAsync("alice");

        using (StoreSabotage.RefuseInserts(relay.DatabasePath))
        {
            Assert.ThrowsAsync<HubException>(() => alice.BroadcastAsync(Json.Of("refused")));
            Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));

            // Nothing is sent meanwhile, as when the platform routes every client away from an unready relay: the
            // failure must not hold readiness for ever.
            clock.Now += StoreHealth.FailureHold;
            Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

            Assert.ThrowsAsync<HubException>(() => alice.BroadcastAsync(Json.Of("refused again")));
            Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }

        await alice.BroadcastAsync(Json.Of("stored"));
        Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Readyz_fails_while_a_commit_has_waited_on_the_store_too_long_and_recovers_once_it_is_stored()
    {
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        await using var relay = await TestRelay.StartAsync(clock: clock);
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        var alice = await relay.ConnectAsync("alice");
        var health = relay.Services.GetRequiredService<StoreHealth>();

        Task<SendAck> waiting;
        // Another process holding the database's write lock, as an operator's sqlite3 shell left in a transaction does.
        using (StoreSabotage.Make(relay.DatabasePath, "BEGIN IMMEDIATE", "ROLLBACK"))
        {
            waiting = alice.BroadcastAsync(Json.Of("waits for the lock"));
            await Wait.UntilAsync(() => health.CommitInProgress, "the commit waits for the lock");
            Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "a commit in progress is not yet a stall");

            clock.Now += StoreHealth.StallAfter;
            Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }

        Assert.That((await waiting).Seq, Is.Positive, "the message is stored once the lock is let go");
        Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
