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
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string DatabasePath { get; }
    public string ConnectionString { get; }

    public void EnsureDirectory() => Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);

    /// <summary>What the store may grow into: its files (the database and its write-ahead log) and its volume's free space.</summary>
    public long RoomBytes()
    {
        var files = new[] { DatabasePath, DatabasePath + "-wal" }.Select(f => new FileInfo(f)).Where(f => f.Exists).Sum(f => f.Length);
        return files + new DriveInfo(Path.GetDirectoryName(DatabasePath)!).AvailableFreeSpace;
    }
}
