using Microsoft.Data.Sqlite;

namespace SignalRelay.Server.Configuration;

/// <summary>Where the SQLite file lives: <c>DB_PATH</c>, else <c>data/relay_server.db</c> beside the server.</summary>
public sealed class StoragePaths
{
    public StoragePaths(IConfiguration configuration)
    {
        var configured = configuration["DB_PATH"];
        DatabasePath = Path.GetFullPath(string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(AppContext.BaseDirectory, "data", "relay_server.db")
            : configured);
        _directory = Path.GetDirectoryName(DatabasePath)!;
        ConnectionString = ConnectionStringFor(SqliteOpenMode.ReadWrite);
        CreatingConnectionString = ConnectionStringFor(SqliteOpenMode.ReadWriteCreate);
    }

    private readonly string _directory;

    public string DatabasePath { get; }

    /// <summary>
    /// Every connection but the first: one that finds no file fails, instead of putting an empty database where the
    /// relay's was deleted (the relay would then take the empty file for its own).
    /// </summary>
    public string ConnectionString { get; }

    /// <summary>The store's first connection at start, which creates the file on a first run.</summary>
    public string CreatingConnectionString { get; }

    private string ConnectionStringFor(SqliteOpenMode mode) =>
        new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = mode, DefaultTimeout = 30 }.ToString();

    public void EnsureDirectory() => Directory.CreateDirectory(_directory);

    /// <summary>What the store may grow into: its files (the database and its write-ahead log) and its volume's free space.</summary>
    public long RoomBytes()
    {
        var files = new[] { DatabasePath, DatabasePath + "-wal" }.Select(f => new FileInfo(f)).Where(f => f.Exists).Sum(f => f.Length);
        return files + FreeBytes();
    }

    /// <summary>The free space of the store's volume.</summary>
    public long FreeBytes() => new DriveInfo(_directory).AvailableFreeSpace;
}
