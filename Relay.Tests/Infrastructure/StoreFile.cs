using Microsoft.Data.Sqlite;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>A relay's SQLite file opened beside the relay: to check what is really stored, or to make its writes fail.</summary>
public static class StoreFile
{
    public static SqliteConnection Open(string databasePath, SqliteOpenMode mode = SqliteOpenMode.ReadWriteCreate)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>The presence status stored for <paramref name="agent"/>, or null when it has no row.</summary>
    public static string? StatusOf(string databasePath, string agent) => PresenceOf(databasePath, agent, "status") as string;

    /// <summary>The cursor stored for <paramref name="agent"/>: the last seq it is known to have read; null when it has no row.</summary>
    public static long? CursorOf(string databasePath, string agent) => PresenceOf(databasePath, agent, "cursor") as long?;

    private static object? PresenceOf(string databasePath, string agent, string column)
    {
        using var connection = Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {column} FROM presence WHERE agent_id = $agent";
        command.Parameters.AddWithValue("$agent", agent);
        return command.ExecuteScalar();
    }
}
