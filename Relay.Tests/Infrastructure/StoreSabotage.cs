using Microsoft.Data.Sqlite;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// The store failing, as a full disk, a failing volume or another process makes it, done to the real database beside
/// the running relay and undone when disposed.
/// </summary>
public sealed class StoreSabotage : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly string _undo;

    private StoreSabotage(SqliteConnection connection, string undo)
    {
        _connection = connection;
        _undo = undo;
    }

    /// <summary>Aborts every insert of a message.</summary>
    public static StoreSabotage RefuseInserts(string databasePath) => Refuse(databasePath, "INSERT ON messages");

    /// <summary>Aborts every write of the given kind (<c>INSERT ON messages</c>).</summary>
    public static StoreSabotage Refuse(string databasePath, string write) => Make(databasePath,
        $"CREATE TRIGGER refuse BEFORE {write} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END", "DROP TRIGGER refuse");

    /// <summary>Renames the messages table away, so every read of it fails.</summary>
    public static StoreSabotage HideMessages(string databasePath) => Make(databasePath,
        "ALTER TABLE messages RENAME TO messages_hidden", "ALTER TABLE messages_hidden RENAME TO messages");

    /// <summary>Runs <paramref name="make"/> on a connection of its own, and <paramref name="undo"/> on it when disposed.</summary>
    public static StoreSabotage Make(string databasePath, string make, string undo)
    {
        var connection = StoreFile.Open(databasePath);
        Execute(connection, make);
        return new StoreSabotage(connection, undo);
    }

    public void Dispose()
    {
        Execute(_connection, _undo);
        _connection.Dispose();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
