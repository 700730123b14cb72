using System.Runtime.Versioning;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// Holds every read lock of a WAL-mode SQLite store, as a stalled disk or another process might: until disposed,
/// every read of the store waits (SQLite retries for about ten seconds, then fails).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class StoreReadLock : IDisposable
{
    // The WAL index (the -shm file) keeps its locks at byte 120; the five read locks are bytes 3 to 7 of them.
    private const long FirstReadLock = 120 + 3;
    private const long ReadLocks = 5;

    private readonly FileStream _index;

    private StoreReadLock(FileStream index)
    {
        _index = index;
        // POSIX record locks, as SQLite's are: they keep out only other processes, so the relay must run in its own.
        _index.Lock(FirstReadLock, ReadLocks);
    }

    public static StoreReadLock Take(string databasePath) =>
        new(new FileStream(databasePath + "-shm", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete));

    public void Dispose()
    {
        _index.Unlock(FirstReadLock, ReadLocks);
        _index.Dispose();
    }
}
