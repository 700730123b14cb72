using Microsoft.EntityFrameworkCore;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>The relay as a real process killed with SIGKILL while it starts, as a platform does to a start that overruns its health check.</summary>
public sealed class StartupKillTests
{
    private const int StoredMessages = 300_000;

    [Test]
    public async Task Kill_9_while_an_upgrade_is_applied_leaves_a_store_the_next_start_opens_and_upgrades_with_every_message()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        await StoreOfAnEarlierReleaseAsync(db);

        await using (var upgrading = await UpgradingAsync(db))
        {
            upgrading.Kill();
            await upgrading.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        await using var restarted = await RelayProcess.StartOnLoopbackAsync(db);
        await using var alice = await V03Async(restarted.RawDoorUri, "alice");
        await alice.SendAsync(Message("alice", "m1", "sent again"));
        var resent = await alice.NextOfAsync("message_type", "ACK");
        await alice.SendAsync(Message("alice", "new", "after the upgrade"));
        var fresh = await alice.NextOfAsync("message_type", "ACK");
        Assert.Multiple(() =>
        {
            Assert.That(resent.GetProperty("duplicate").GetBoolean(), Is.True, "the stored messages are still known");
            Assert.That(resent.Long("seq"), Is.EqualTo(1L));
            Assert.That(fresh.Long("seq"), Is.GreaterThan((long)StoredMessages));
        });
    }

    [Test]
    public async Task Sigterm_while_an_upgrade_is_applied_stops_the_relay_with_exit_code_0_as_any_stop_asked_for()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        await StoreOfAnEarlierReleaseAsync(db);

        await using var upgrading = await UpgradingAsync(db);
        upgrading.Terminate();

        // A platform that stops a relay still starting (a deploy replaced, a start slower than its check) asked for the
        // stop: exit code 1 would tell it, and its restart policy, that the relay failed.
        Assert.That(await upgrading.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(0), upgrading.Output);
        Assert.That(upgrading.Output, Does.Contain("SignalRelay stopped during start-up, as asked"));
    }

    /// <summary>Enough messages in an earlier release's store that building the later releases' indexes takes a while.</summary>
    private static Task StoreOfAnEarlierReleaseAsync(string db) =>
        EarlierRelease.StoreAsync(db, "20261122000000_BroadcastsFloor", store => store.ExecuteSqlInterpolatedAsync(
            $"""
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {StoredMessages})
             INSERT INTO messages (message_id, kind, from_agent, content, received_at_ms)
             SELECT 'm' || i, 'broadcast', 'alice', '"old"', {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} FROM n
             """));

    /// <summary>A relay launched on the store, once its upgrade is under way: a signal now comes in the middle of its start.</summary>
    private static async Task<RelayProcess> UpgradingAsync(string db)
    {
        var upgrading = RelayProcess.LaunchOnLoopback(db);
        try
        {
            await Wait.UntilAsync(() => MigrationLockHeld(db), "the upgrade is under way", TimeSpan.FromSeconds(30));
            return upgrading;
        }
        catch
        {
            await upgrading.DisposeAsync();
            throw;
        }
    }

    /// <summary>EF Core's migration lock: a row it inserts before applying migrations and deletes once they are applied.</summary>
    private static bool MigrationLockHeld(string databasePath)
    {
        using var connection = StoreFile.Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = '__EFMigrationsLock')";
        if ((long)command.ExecuteScalar()! == 0)
        {
            return false;
        }
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM \"__EFMigrationsLock\")";
        return (long)command.ExecuteScalar()! == 1;
    }
}
