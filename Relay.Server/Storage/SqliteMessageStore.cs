using System.Text.Json;
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
    IOptions<RelayOptions> options) : IMessageStore, IAsyncDisposable
{
    // Writes on other connections (presence flush, retention) take turns with the batch writer here rather
    // than in SQLite: a statement that finds the database locked is retried by Microsoft.Data.Sqlite after a
    // sleep, which stalled group commit (and every ACK behind it) for ~150 ms each time.
    private readonly SemaphoreSlim _writeTurn = new(1, 1);
    private SqliteConnection? _writer;
    private MessageInsert? _insert;
    private SqliteCommand? _findExisting;
    // Receive times never decrease along seq, even when the clock steps back, so a time maps to a seq by bisection.
    private long _lastReceivedAtMs;

    public async Task InitializeAsync(CancellationToken ct)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            await db.Database.MigrateAsync(ct);
        }

        _writer = new SqliteConnection(paths.ConnectionString);
        await _writer.OpenAsync(ct);
        await ExecuteAsync(_writer, "PRAGMA journal_mode=WAL;", ct);
        await ExecuteAsync(_writer, $"PRAGMA synchronous={options.Value.Storage.Synchronous};", ct);

        _insert = new MessageInsert(_writer);

        _findExisting = _writer.CreateCommand();
        _findExisting.CommandText = "SELECT seq, received_at_ms FROM messages WHERE from_agent = $from AND message_id = $id";
        _findExisting.Parameters.Add(new SqliteParameter { ParameterName = "$from" });
        _findExisting.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
        _findExisting.Prepare();

        await using var newest = _writer.CreateCommand();
        newest.CommandText = "SELECT received_at_ms FROM messages ORDER BY seq DESC LIMIT 1";
        _lastReceivedAtMs = await newest.ExecuteScalarAsync(ct) is long ms ? ms : 0;
    }

    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<Envelope> batch, CancellationToken ct)
    {
        if (_writer is null || _insert is null || _findExisting is null)
        {
            throw new InvalidOperationException("The store is not initialized.");
        }

        return await InWriteTurnAsync<IReadOnlyList<AppendResult>>(async () =>
        {
            var results = new AppendResult[batch.Count];
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
                    results[i] = new AppendResult(assigned, false, DateTimeOffset.FromUnixTimeMilliseconds(receivedAtMs));
                }
                else
                {
                    results[i] = await FindExistingAsync(e, ct);
                }
            }
            await tx.CommitAsync(ct);
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

    public async Task<IReadOnlyList<Envelope>> HistoryAsync(string? viewer, HistoryQuery query, int limit, CancellationToken ct)
    {
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
        var union = MessageQueries.History(forOneViewer: viewer is not null, newest);
        var page = await db.Messages.FromSqlRaw(union.Rows,
                Parameter("$after", after), Parameter("$viewer", viewer ?? ""), Parameter("$take", limit))
            .AsNoTracking().ToListAsync(ct);
        if (newest)
        {
            page.Reverse();
        }
        return page.ConvertAll(ToEnvelope);
    }

    public async Task<IReadOnlyList<Envelope>> BacklogAsync(BacklogRange range, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var page = await db.Messages.FromSqlRaw(MessageQueries.OldestMissed.Rows, [.. InRange(range), Parameter("$take", limit)])
            .AsNoTracking().ToListAsync(ct);
        return page.ConvertAll(ToEnvelope);
    }

    public async Task<long?> BacklogCutoffAsync(BacklogRange range, int skip, CancellationToken ct)
    {
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
        var oldest = await db.Messages.MinAsync(m => (long?)m.Seq, ct);
        // sqlite_sequence remembers the highest seq ever handed out, even when retention emptied the table.
        var newest = await db.Database
            .SqlQueryRaw<long>("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0) AS \"Value\"")
            .SingleAsync(ct);
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

        // A chunk at a time, each in its own write turn: one DELETE of a million rows held the writer, and every
        // ACK behind it, for two seconds.
        var chunk = options.Value.Retention.DeleteBatchSize;
        var deleted = 0;
        while (await db.Messages.MinAsync(m => (long?)m.Seq, ct) is long oldest && oldest < firstKept)
        {
            var end = Math.Min(firstKept, oldest + chunk);
            deleted += await InWriteTurnAsync(() => db.Messages.Where(m => m.Seq < end).ExecuteDeleteAsync(ct), ct);
        }
        return deleted;
    }

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
    }
}
