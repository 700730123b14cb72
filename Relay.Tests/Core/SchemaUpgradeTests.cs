using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SignalRelay.Server.Storage;
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
        var options = new DbContextOptionsBuilder<RelayDbContext>().UseSqlite($"Data Source={path}").Options;
        await using (var db = new RelayDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync("20261121000000_Initial");
            // What the earlier release stored: one message, and an agent whose cursor is past it.
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO messages (message_id, kind, from_agent, content, received_at_ms) VALUES ('old', 'broadcast', 'sender', '\"old\"', 0)");
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO presence (agent_id, status, last_seen_ms, cursor, protocol) VALUES ('veteran', 'offline', 0, 1, 'v0.3')");
        }
        SqliteConnection.ClearAllPools();

        await using var relay = await TestRelay.StartAsync(databasePath: path);
        var sender = await relay.ConnectAsync("sender");
        await sender.BroadcastAsync(Json.Of("new"), "new");
        await using var veteran = await V03Async(relay, "veteran");

        Assert.That((await veteran.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("new"), "the old message is behind its cursor");
    }
}
