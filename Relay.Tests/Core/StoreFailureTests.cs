using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Data.Sqlite;
using SignalRelay.Server.Core;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// The store refusing commits, as a full disk or a failing volume makes it: a trigger the test adds to the real
/// database aborts every insert into it until the test drops it.
/// </summary>
public sealed class StoreFailureTests
{
    [Test]
    public async Task A_message_the_store_refuses_is_refused_to_its_sender_reaches_no_one_and_goes_through_when_sent_again()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        using (RefuseInserts(relay.DatabasePath))
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
    public async Task A_v03_agent_is_told_STORE_UNAVAILABLE_naming_the_message_and_its_resend_is_acked_as_new()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");

        using (RefuseInserts(relay.DatabasePath))
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
    public async Task Readyz_fails_after_a_refused_commit_until_a_commit_succeeds_or_the_hold_has_passed()
    {
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        await using var relay = await TestRelay.StartAsync(clock: clock);
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        var alice = await relay.ConnectAsync("alice");

        using (RefuseInserts(relay.DatabasePath))
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

    private static Refusal RefuseInserts(string databasePath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "CREATE TRIGGER refuse_inserts BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
        return new Refusal(connection);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed class Refusal(SqliteConnection connection) : IDisposable
    {
        public void Dispose()
        {
            Execute(connection, "DROP TRIGGER refuse_inserts");
            connection.Dispose();
        }
    }
}
