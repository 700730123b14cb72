using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SignalRelay.Server.Storage;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>A database as an earlier release of the relay left it, for the start-up that upgrades it.</summary>
public static class EarlierRelease
{
    /// <summary>A database at <paramref name="path"/> with the schema of <paramref name="migration"/> and what <paramref name="store"/> writes.</summary>
    public static async Task StoreAsync(string path, string migration, Func<DatabaseFacade, Task> store)
    {
        var options = new DbContextOptionsBuilder<RelayDbContext>().UseSqlite($"Data Source={path}").Options;
        await using (var db = new RelayDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync(migration);
            await store(db.Database);
        }
        SqliteConnection.ClearAllPools();
    }
}
