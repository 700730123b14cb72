using System.Text.Json;
using Microsoft.Data.Sqlite;
using SignalRelay.Server.Core;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>RESUME_TOO_OLD is said when retention removed what an agent was owed, until the agent has read it, and only then.</summary>
public sealed class RetentionNoticeTests
{
    private static readonly Dictionary<string, string?> NoSweeps = new() { ["Relay:Retention:SweepSeconds"] = "86400" };

    [Test]
    public async Task A_RESUME_TOO_OLD_the_agent_never_read_is_said_again_on_its_next_connection()
    {
        await using var relay = await TestRelay.StartAsync(NoSweeps);
        var alice = await relay.ConnectAsync("alice");
        await alice.DirectAsync("x", Json.Of("waiting"), "waiting");
        // x's first connection is sent the direct that waited for it and reads nothing: its cursor stays below that direct,
        // and so below its floor.
        await using (await ConnectWithoutReadingAsync(relay, "x"))
        {
            var session = relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions().Single(s => s.AgentId == "x");
            await Wait.UntilAsync(() => session.LastDeliveredSeq > 0, "the waiting direct is written to x");
        }
        await UntilOnlineAsync(relay, "x", online: false);
        await alice.BroadcastAsync(Json.Of("b1"), "b1");
        var last = (await alice.BroadcastAsync(Json.Of("b2"), "b2")).Seq;
        await relay.Services.GetRequiredService<IMessageStore>().PruneAsync(DateTimeOffset.MinValue, keepNewest: 2, CancellationToken.None);

        // The connection that is told the direct was removed is written its replay and drops before it reads any of it.
        await using (await ConnectWithoutReadingAsync(relay, "x"))
        {
            var session = relay.Services.GetRequiredService<SessionRegistry>().OnlineSessions().Single(s => s.AgentId == "x");
            await Wait.UntilAsync(() => session.LastDeliveredSeq == last, "x's replay is written");
        }
        await UntilOnlineAsync(relay, "x", online: false);

        await using var back = await V03Async(relay, "x");
        var frames = await UntilMessageAsync(back, "b2");
        Assert.That(frames.Select(f => f.ErrorCode()), Does.Contain(ErrorCodes.ResumeTooOld),
            "the removed direct is still unexplained: the only notice of it was never read");
        Assert.That(frames.Where(f => f.Str("sender") == "alice").Select(f => f.Long("seq")), Is.EqualTo(new[] { last - 1, last }));
    }

    [Test]
    public async Task A_new_agent_whose_first_session_is_replaced_before_it_began_is_not_told_of_messages_from_before_it_existed()
    {
        await using var relay = await TestRelay.StartAsync(NoSweeps);
        var alice = await relay.ConnectAsync("alice");
        for (var i = 0; i < 3; i++)
        {
            await alice.BroadcastAsync(Json.Of($"old{i}"), $"old{i}");
        }
        await relay.Services.GetRequiredService<IMessageStore>().PruneAsync(DateTimeOffset.MinValue, keepNewest: 1, CancellationToken.None);

        RawSocketClient second;
        // A write held on the store keeps the first HELLO's session waiting for its record to be stored, before its replay
        // begins; the second HELLO for the same new name replaces it meanwhile, as two HELLOs sent at once may.
        await using (var writer = StoreFile.Open(relay.DatabasePath, SqliteOpenMode.ReadWrite))
        await using (var hold = writer.BeginTransaction(deferred: false))
        {
            await using var first = await RawSocketClient.ConnectAsync(relay);
            await first.SendAsync(Hello("x"));
            await UntilOnlineAsync(relay, "x");
            var registry = relay.Services.GetRequiredService<SessionRegistry>();
            var replaced = registry.OnlineSessions().Single(s => s.AgentId == "x");
            second = await RawSocketClient.ConnectAsync(relay);
            await second.SendAsync(Hello("x"));
            await Wait.UntilAsync(() => registry.OnlineSessions().Any(s => s.AgentId == "x" && s != replaced), "the second HELLO replaced the first");
            await hold.RollbackAsync();
        }
        Assert.That((await second.NextAsync("WELCOME")).Str("message_type"), Is.EqualTo("WELCOME"));
        await using var _ = second;

        await alice.BroadcastAsync(Json.Of("live"), "live");
        var frames = await UntilMessageAsync(second, "live");
        Assert.That(frames.Select(f => f.ErrorCode()), Does.Not.Contain(ErrorCodes.ResumeTooOld),
            "retention removed only messages from before x first came, which it was never owed");
    }

    private static async Task<List<JsonElement>> UntilMessageAsync(RawSocketClient client, string id)
    {
        var frames = new List<JsonElement>();
        do
        {
            frames.Add(await client.NextWhereAsync(f => f.Str("sender") != "relay_server" || f.ErrorCode() is not null, $"message {id}"));
        }
        while (frames[^1].Str("message_id") != id);
        return frames;
    }
}
