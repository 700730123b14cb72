using Microsoft.EntityFrameworkCore;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>A database written by an earlier release is brought up to date at start, and what it held still counts.</summary>
public sealed class SchemaUpgradeTests
{
    [Test]
    public async Task A_database_from_before_the_broadcasts_floor_is_upgraded_and_its_agents_keep_their_cursors()
    {
        using var directory = new TempDirectory();
        var path = directory.File("relay.db");
        await EarlierRelease.StoreAsync(path, "20261121000000_Initial", async db =>
        {
            // What the earlier release stored: one message, and an agent whose cursor is past it.
            await db.ExecuteSqlRawAsync(
                "INSERT INTO messages (message_id, kind, from_agent, content, received_at_ms) VALUES ('old', 'broadcast', 'sender', '\"old\"', 0)");
            await db.ExecuteSqlRawAsync(
                "INSERT INTO presence (agent_id, status, last_seen_ms, cursor, protocol) VALUES ('veteran', 'offline', 0, 1, 'v0.3')");
        });

        await using var relay = await TestRelay.StartAsync(databasePath: path);
        var sender = await relay.ConnectAsync("sender");
        await sender.BroadcastAsync(Json.Of("new"), "new");
        await using var veteran = await V03Async(relay, "veteran");

        Assert.That((await veteran.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("new"), "the old message is behind its cursor");
    }

    [Test]
    public async Task A_message_stored_before_the_resend_guard_was_rekeyed_is_still_recognised_when_sent_again()
    {
        using var directory = new TempDirectory();
        var path = directory.File("relay.db");
        // Stamped now, so retention keeps it.
        await EarlierRelease.StoreAsync(path, "20261122000000_BroadcastsFloor", db => db.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO messages (message_id, kind, from_agent, content, received_at_ms) VALUES ('m1', 'broadcast', 'alice', '\"old\"', {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()})"));

        await using var relay = await TestRelay.StartAsync(databasePath: path);
        await using var alice = await V03Async(relay, "alice");
        await using var bob = await V03Async(relay, "bob");
        await alice.SendAsync(Message("alice", "m1", "resent"));
        var resent = await alice.NextOfAsync("message_type", "ACK");
        await bob.SendAsync(Message("bob", "m1", "same id, other sender"));
        var other = await bob.NextOfAsync("message_type", "ACK");

        Assert.Multiple(() =>
        {
            Assert.That(resent.GetProperty("duplicate").GetBoolean(), Is.True, "alice's m1 was stored before the upgrade");
            Assert.That(resent.Long("seq"), Is.EqualTo(1L));
            Assert.That(other.GetProperty("duplicate").GetBoolean(), Is.False, "ids are unique per sender, not across senders");
        });
    }
}
