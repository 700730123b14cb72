using Microsoft.Data.Sqlite;

namespace SignalRelay.Server.Storage;

/// <summary>
/// Maps a receive time to a seq without an index on <c>received_at_ms</c>: the writer stamps receive times that
/// never decrease along seq, so the first message received at or after a time is found by bisecting seq, each
/// probe one step down the table's own b-tree.
/// </summary>
public sealed class SeqByReceiveTime : IAsyncDisposable
{
    private readonly SqliteCommand _firstFrom;
    private readonly SqliteParameter _from;
    private readonly SqliteCommand _newest;

    private SeqByReceiveTime(SqliteConnection connection)
    {
        _firstFrom = connection.CreateCommand();
        _firstFrom.CommandText = "SELECT seq, received_at_ms FROM messages WHERE seq >= $from ORDER BY seq LIMIT 1";
        _from = _firstFrom.Parameters.Add("$from", SqliteType.Integer);
        _newest = connection.CreateCommand();
        _newest.CommandText = "SELECT max(seq) FROM messages";
    }

    /// <summary>The seq of the first message received at or after <paramref name="ms"/>; null when none was.</summary>
    public static async Task<long?> FirstAtOrAfterAsync(SqliteConnection connection, long ms, CancellationToken ct)
    {
        await using var search = new SeqByReceiveTime(connection);
        return await search.FindAsync(ms, ct);
    }

    private async Task<long?> FindAsync(long ms, CancellationToken ct)
    {
        var oldest = await FirstFromAsync(0, ct);
        if (oldest is null || oldest.Value.ReceivedAtMs >= ms)
        {
            return oldest?.Seq;
        }
        // The smallest seq x whose first row at or after x was received at or after ms, or that has no row at or
        // after it: false at the oldest row, true past the newest, and never false again once true.
        var low = oldest.Value.Seq + 1;
        // Retention may have emptied the table since the oldest row was read.
        if (await _newest.ExecuteScalarAsync(ct) is not long newest)
        {
            return null;
        }
        var high = newest + 1;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            var row = await FirstFromAsync(middle, ct);
            if (row is null || row.Value.ReceivedAtMs >= ms)
            {
                high = middle;
            }
            else
            {
                low = row.Value.Seq + 1;
            }
        }
        return (await FirstFromAsync(low, ct))?.Seq;
    }

    private async Task<(long Seq, long ReceivedAtMs)?> FirstFromAsync(long seq, CancellationToken ct)
    {
        _from.Value = seq;
        await using var reader = await _firstFrom.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _firstFrom.DisposeAsync();
        await _newest.DisposeAsync();
    }
}
