using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Storage;

/// <summary>
/// Keeps <c>Relay:Storage:MinFreeMegabytes</c> of the store's volume free of the relay's own writes, because on a full
/// volume SQLite cannot write even the deletes that would make room (they go through the write-ahead log, which starts
/// over only once a checkpoint has copied it into the database file, and that can grow the file): the relay would stay
/// stuck until someone freed space by hand. A batch that would take the volume below the floor is refused unless pages
/// that retention's deletes freed inside the file can take it, so the relay goes on storing into them as retention
/// makes room.
/// </summary>
public sealed class VolumeFloor(StoragePaths paths, IOptions<RelayOptions> options, ILogger<VolumeFloor> logger)
{
    private const long Megabyte = 1024 * 1024;
    // Per row, beyond its content: ids, sender, recipient, times and three index entries, generously.
    private const int RowOverheadBytes = 512;
    private readonly long _floor = options.Value.Storage.MinFreeMegabytes * Megabyte;
    // Only the commit loop checks, so this needs no lock; it makes one log line per spell of refusals.
    private bool _refusing;

    public long FloorBytes => _floor;

    /// <summary>Throws <see cref="IOException"/> when <paramref name="batch"/> has no room above the floor.</summary>
    public void ThrowIfNoRoom(SqliteConnection writer, IReadOnlyList<Envelope> batch)
    {
        if (_floor == 0)
        {
            return;
        }
        var free = paths.FreeBytes();
        var needed = RoomFor(batch);
        if (free - needed >= _floor || FreePagesBytes(writer) >= needed)
        {
            if (_refusing)
            {
                _refusing = false;
                logger.LogInformation("The store has room again above the volume's free-space floor");
            }
            return;
        }
        if (!_refusing)
        {
            _refusing = true;
            logger.LogWarning("The store's volume has {Free} MB free, and the relay leaves {Floor} MB of it (Relay:Storage:MinFreeMegabytes) for SQLite; " +
                "new messages are refused until retention has removed older ones to make room", free / Megabyte, _floor / Megabyte);
        }
        throw new NoRoomException();
    }

    /// <summary>A batch refused for the floor; the log says so once for each spell of them, not for each batch.</summary>
    public sealed class NoRoomException() : IOException("The store's volume is down to the free space the relay leaves it.");

    // Twice the rows' bytes: once in the write-ahead log, and once more when a checkpoint copies them into the file.
    private static long RoomFor(IReadOnlyList<Envelope> batch)
    {
        long bytes = 0;
        foreach (var e in batch)
        {
            bytes += JsonMarshal.GetRawUtf8Value(e.Content).Length + RowOverheadBytes;
        }
        return 2 * bytes;
    }

    private static long FreePagesBytes(SqliteConnection writer)
    {
        using var query = writer.CreateCommand();
        query.CommandText = "SELECT freelist_count * page_size FROM pragma_freelist_count(), pragma_page_size()";
        return (long)query.ExecuteScalar()!;
    }
}
