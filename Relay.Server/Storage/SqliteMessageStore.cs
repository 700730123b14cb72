using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Storage;

/// <summary>
/// The embedded store. Batches go through one long-lived writer connection with prepared
/// statements; reads use EF Core on pooled connections.
/// </summary>
public sealed class SqliteMessageStore(
    IDbContextFactory<RelayDbContext> contexts,
    StoragePaths paths,
    DatabaseLock databaseLock,
    VolumeFloor volumeFloor,
    IOptions<RelayOptions> options) : IMessageStore, IAsyncDisposable
{
    // Writes on other connections (presence flush, retention) take turns with the batch writer here rather
    // than in SQLite: a statement that finds the database locked is retried by Microsoft.Data.Sqlite after a
    // sleep, which stalled group commit (and every ACK behind it) for ~150 ms each time.
    private readonly SemaphoreSlim _writeTurn = new(1, 1);
    // Reads of many rows take turns too, oldest first (Storage:MaxConcurrentReads).
    private readonly ConcurrencyLimiter _readTurns = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.Storage.MaxConcurrentReads,
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });
    private SqliteConnection? _writer;
    private MessageInsert? _insert;
    private SqliteCommand? _findExisting;
    // Receive times never decrease along seq, even when the clock steps back, so a time maps to a seq by bisection.
    private long _lastReceivedAtMs;
    // The highest seq a committed message holds: an insert ignored as a resend gives back the seq it took, down to this.
    private long _highestSeq;

    public async Task InitializeAsync(CancellationToken ct)
    {
        databaseLock.Take();
        // The writer comes first: it is the one connection that may create the file.
        _writer = new SqliteConnection(paths.CreatingConnectionString);
        await _writer.OpenAsync(ct);
        await ExecuteAsync(_writer, "PRAGMA journal_mode=WAL;", ct);
        await ExecuteAsync(_writer, $"PRAGMA synchronous={options.Value.Storage.Synchronous};", ct);
        // SQLite begins the log again after a checkpoint but keeps its file as large as it ever grew: a reader that held
        // back checkpoints for a while (a backup) would leave it that large until the relay stops. The writer, which
        // makes nearly every commit, cuts it back to this when it begins the log again.
        await ExecuteAsync(_writer, $"PRAGMA journal_size_limit={WriteAheadLogLimitBytes};", ct);
        // EF Core's migration lock is a row it inserts before migrating and deletes after: a relay killed in between (a
        // platform giving up on a long upgrade) leaves the row, and every later start waits for it for ever. The lock
        // file taken above is the real guard (the system lets it go when a process dies), so a row here is stale.
        await ExecuteAsync(_writer, "DROP TABLE IF EXISTS \"__EFMigrationsLock\";", ct);

        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            await db.Database.MigrateAsync(ct);
        }

        _insert = new MessageInsert(_writer);

        _findExisting = _writer.CreateCommand();
        _findExisting.CommandText = "SELECT seq, received_at_ms FROM messages WHERE from_agent = $from AND message_id = $id";
        _findExisting.Parameters.Add(new SqliteParameter { ParameterName = "$from" });
        _findExisting.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
        _findExisting.Prepare();

        await using var newest = _writer.CreateCommand();
        newest.CommandText = "SELECT received_at_ms FROM messages ORDER BY seq DESC LIMIT 1";
        _lastReceivedAtMs = await newest.ExecuteScalarAsync(ct) is long ms ? ms : 0;
        newest.CommandText = HighestSeqSql;
        _highestSeq = await newest.ExecuteScalarAsync(ct) is long seq ? seq : 0;
    }

    /// <summary>Twice what the log reaches between SQLite's automatic checkpoints (1,000 pages of 4 KiB), so a usual run never cuts it.</summary>
    public const long WriteAheadLogLimitBytes = 8 * 1024 * 1024;

    private const string HighestSeqSql = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0)";

    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<Envelope> batch, CancellationToken ct)
    {
        if (_writer is null || _insert is null || _findExisting is null)
        {
            throw new InvalidOperationException("The store is not initialized.");
        }

        return await InWriteTurnAsync<IReadOnlyList<AppendResult>>(async () =>
        {
            volumeFloor.ThrowIfNoRoom(_writer, batch);
            var results = new AppendResult[batch.Count];
            var highest = _highestSeq;
            await using var tx = (SqliteTransaction)await _writer.BeginTransactionAsync(ct);
            _findExisting.Transaction = tx;
            for (var i = 0; i < batch.Count; i++)
            {
                var e = batch[i];
                var receivedAtMs = Math.Max(_lastReceivedAtMs, e.ReceivedAt.ToUnixTimeMilliseconds());
                var seq = _insert.Run(e, receivedAtMs);
                if (seq is long assigned)
                {
                    _lastReceivedAtMs = receivedAtMs;
                    highest = assigned;
                    results[i] = new AppendResult(assigned, false, DateTimeOffset.FromUnixTimeMilliseconds(receivedAtMs));
                }
                else
                {
                    _insert.GiveBackSeq(highest);
                    results[i] = await FindExistingAsync(e, ct);
                }
            }
            await tx.CommitAsync(ct);
            _highestSeq = highest;
            // A file deleted under the relay (a lost volume, a clean-up gone wrong) still takes commits through the
            // open handle, into a file no restart will find: those must not be acknowledged. One stat per batch.
            if (!File.Exists(paths.DatabasePath))
            {
                throw new IOException($"The database file {paths.DatabasePath} is gone.");
            }
            return results;
        }, ct);
    }

    private async Task<AppendResult> FindExistingAsync(Envelope e, CancellationToken ct)
    {
        _findExisting!.Parameters[0].Value = e.From;
        _findExisting.Parameters[1].Value = e.Id;
        await using var reader = await _findExisting.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new InvalidOperationException($"Message ({e.From}, {e.Id}) was neither inserted nor found.");
        }
        return new AppendResult(reader.GetInt64(0), true, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
    }

    public async Task<IReadOnlyList<Envelope>> HistoryAsync(string viewer, HistoryQuery query, int limit, CancellationToken ct)
    {
        using var turn = await _readTurns.AcquireAsync(1, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var after = query.SinceSeq ?? 0;
        if (query.SinceTime is { } sinceTime)
        {
            if (await FirstReceivedAtOrAfterAsync(db, sinceTime, ct) is not long first)
            {
                return [];
            }
            after = Math.Max(after, first - 1);
        }

        // With no lower bound the page is the newest, read newest first and then turned around.
        var newest = query.SinceSeq is null && query.SinceTime is null;
        var union = MessageQueries.History(newest);
        var page = await WithinReplyBytesAsync(db.Messages.FromSqlRaw(union.Rows,
            Parameter("$after", after), Parameter("$viewer", viewer), Parameter("$take", limit)), ct);
        if (newest)
        {
            page.Reverse();
        }
        return page.ConvertAll(ToEnvelope);
    }

    public async Task<BacklogPage> BacklogAsync(BacklogRange range, int limit, CancellationToken ct)
    {
        using var turn = await _readTurns.AcquireAsync(1, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        // One read transaction, so one snapshot for the bounds and the page: retention committing between two separate
        // reads would remove messages the page then skips without anyone knowing.
        await db.Database.OpenConnectionAsync(ct);
        await using var snapshot = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
        await db.Database.UseTransactionAsync(snapshot, ct);
        var (oldest, newest) = await BoundsAsync(db, ct);
        var page = await WithinReplyBytesAsync(
            db.Messages.FromSqlRaw(MessageQueries.OldestMissed.Rows, [.. InRange(range), Parameter("$take", limit)]), ct);
        return new BacklogPage(page.ConvertAll(ToEnvelope), oldest ?? newest + 1);
    }

    private Task<List<MessageRow>> WithinReplyBytesAsync(IQueryable<MessageRow> rows, CancellationToken ct) =>
        ReplyBytes.TakeWithinAsync(rows.AsNoTracking().AsAsyncEnumerable(), options.Value.Limits.MaxReplyBytes, ct);

    public async Task<long?> BacklogCutoffAsync(BacklogRange range, int skip, CancellationToken ct)
    {
        using var turn = await _readTurns.AcquireAsync(1, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var seqs = await db.Database.SqlQueryRaw<long>(MessageQueries.NewestMissed.SeqAtOffset,
                [.. InRange(range), Parameter("$take", skip + 1L), Parameter("$skip", skip)])
            .ToListAsync(ct);
        return seqs.Count == 0 ? null : seqs[0];
    }

    private static SqliteParameter[] InRange(BacklogRange r) =>
    [
        Parameter("$agent", r.Agent),
        Parameter("$directsAfter", r.DirectsAfter),
        Parameter("$broadcastsAfter", r.BroadcastsAfter),
        Parameter("$upTo", r.UpTo),
    ];

    private static SqliteParameter Parameter(string name, object value) => new(name, value);

    public async Task<(long? Oldest, long Newest)> BoundsAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await BoundsAsync(db, ct);
    }

    private static async Task<(long? Oldest, long Newest)> BoundsAsync(RelayDbContext db, CancellationToken ct)
    {
        var oldest = await OldestAsync(db, ct);
        // sqlite_sequence remembers the highest seq ever handed out, even when retention emptied the table.
        var newest = await db.Database.SqlQueryRaw<long>(HighestSeqSql + " AS \"Value\"").SingleAsync(ct);
        return (oldest, newest);
    }

    public async Task<IReadOnlyList<AgentRecord>> LoadAgentsAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Presence.AsNoTracking().ToListAsync(ct);
        return rows.ConvertAll(p => new AgentRecord(
            p.AgentId, p.Status, DateTimeOffset.FromUnixTimeMilliseconds(p.LastSeenMs), p.Cursor, p.BroadcastsFloor, p.Metadata, p.Protocol));
    }

    public async Task SaveAgentsAsync(IReadOnlyList<AgentRecord> agents, CancellationToken ct)
    {
        if (agents.Count == 0)
        {
            return;
        }
        await InWriteTurnAsync(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var ids = agents.Select(a => a.Id).ToList();
            var existing = await db.Presence.Where(p => ids.Contains(p.AgentId)).ToDictionaryAsync(p => p.AgentId, ct);
            foreach (var a in agents)
            {
                if (!existing.TryGetValue(a.Id, out var row))
                {
                    row = new PresenceRow { AgentId = a.Id, Status = a.Status };
                    db.Presence.Add(row);
                }
                row.Status = a.Status;
                row.LastSeenMs = a.LastSeen.ToUnixTimeMilliseconds();
                row.Cursor = Math.Max(row.Cursor, a.Cursor);
                row.BroadcastsFloor = Math.Max(row.BroadcastsFloor, a.BroadcastsFloor);
                row.Metadata = a.Metadata;
                row.Protocol = a.Protocol;
            }
            return await db.SaveChangesAsync(ct);
        }, ct);
    }

    public async Task<int> PruneAsync(DateTimeOffset olderThan, long keepNewest, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Messages.MaxAsync(m => (long?)m.Seq, ct) is not long newest)
        {
            return 0;
        }
        // Bounded by the newest seq now, so nothing committed while the chunks below run can be taken.
        var firstKept = Math.Max(
            await FirstReceivedAtOrAfterAsync(db, olderThan, ct) ?? newest + 1,
            newest - keepNewest + 1);

        var deleted = 0;
        while (await OldestAsync(db, ct) is long oldest && oldest < firstKept)
        {
            deleted += await DeleteOldestAsync(db, oldest, firstKept, ct);
        }
        return deleted;
    }

    public async Task<int> PruneToSizeAsync(long maxBytes, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var deleted = 0;
        // Measured again inside the write turn with the delete it decides: every other delete takes that turn too, so an
        // age or count pass deleting between the two cannot make this one take more than the bound asks.
        while (await UsedBytesAsync(db, ct) > maxBytes && await InWriteTurnAsync(() => DeletePastSizeAsync(db, maxBytes, ct), ct) is > 0 and var removed)
        {
            deleted += removed;
        }
        return deleted;
    }

    private async Task<int> DeletePastSizeAsync(RelayDbContext db, long maxBytes, CancellationToken ct)
    {
        var used = await UsedBytesAsync(db, ct);
        if (used <= maxBytes || await OldestAsync(db, ct) is not long oldest)
        {
            return 0;
        }
        // As many of the oldest as the excess takes at the store's average size per message (seqs run without gaps), so
        // a store of large messages loses no more than it must.
        var held = await db.Messages.MaxAsync(m => m.Seq, ct) - oldest + 1;
        var excess = (double)(used - maxBytes) / used * held;
        return await DeleteBeforeAsync(db, oldest, oldest + Math.Max(1, (long)Math.Ceiling(excess)), ct);
    }

    private static Task<long?> OldestAsync(RelayDbContext db, CancellationToken ct) => db.Messages.MinAsync(m => (long?)m.Seq, ct);

    /// <summary>
    /// Deletes the messages from <paramref name="oldest"/> up to <paramref name="end"/> or <c>DeleteBatchSize</c> of them,
    /// whichever is fewer, in one write turn: a sweep deleting a million rows at once held the writer, and every ACK
    /// behind it, for two seconds.
    /// </summary>
    private Task<int> DeleteOldestAsync(RelayDbContext db, long oldest, long end, CancellationToken ct) =>
        InWriteTurnAsync(() => DeleteBeforeAsync(db, oldest, end, ct), ct);

    private Task<int> DeleteBeforeAsync(RelayDbContext db, long oldest, long end, CancellationToken ct)
    {
        end = Math.Min(end, oldest + options.Value.Retention.DeleteBatchSize);
        return db.Messages.Where(m => m.Seq < end).ExecuteDeleteAsync(ct);
    }

    /// <summary>The bytes of the database's pages in use; pages freed by deletes are reused before the file grows.</summary>
    private static async Task<long> UsedBytesAsync(RelayDbContext db, CancellationToken ct) =>
        await db.Database.SqlQueryRaw<long>(
                "SELECT (page_count - freelist_count) * page_size AS \"Value\" FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()")
            .SingleAsync(ct);

    private static async Task<long?> FirstReceivedAtOrAfterAsync(RelayDbContext db, DateTimeOffset time, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        return await SeqByReceiveTime.FirstAtOrAfterAsync((SqliteConnection)db.Database.GetDbConnection(), time.ToUnixTimeMilliseconds(), ct);
    }

    /// <summary>Runs a write made on another connection in its turn with the batch writer.</summary>
    private async Task<T> InWriteTurnAsync<T>(Func<Task<T>> write, CancellationToken ct)
    {
        await _writeTurn.WaitAsync(ct);
        try
        {
            return await write();
        }
        finally
        {
            _writeTurn.Release();
        }
    }

    public async Task PingAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Database.CanConnectAsync(ct))
        {
            throw new InvalidOperationException("The database does not answer.");
        }
        await db.Messages.AnyAsync(ct);
    }

    private static Envelope ToEnvelope(MessageRow m)
    {
        using var doc = JsonDocument.Parse(m.Content);
        return new Envelope
        {
            Seq = m.Seq,
            Id = m.MessageId,
            Kind = m.Kind,
            From = m.FromAgent,
            To = m.ToAgent,
            Content = doc.RootElement.Clone(),
            SentAt = m.SentAt,
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(m.ReceivedAtMs),
        };
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        _insert?.Dispose();
        if (_findExisting is not null) await _findExisting.DisposeAsync();
        if (_writer is not null) await _writer.DisposeAsync();
        _writeTurn.Dispose();
        await _readTurns.DisposeAsync();
        databaseLock.Release();
    }
}
