using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SignalRelay.Bench.Measure;
using SignalRelay.Contracts;
using SignalRelay.Server.Storage;

namespace SignalRelay.Bench.Targets;

/// <summary>
/// The store limit: the run's rows inserted straight into SQLite, in the relay's schema and with its pragmas,
/// by the relay's own prepared insert (<see cref="MessageInsert"/>), in transactions as big as everything the
/// agents can have in flight at once (the largest batch group commit could gather). Nothing else: no sockets,
/// no routing.
/// </summary>
public static class StoreReference
{
    public static async Task<StoreResult> RunAsync(RunSpec spec, string databasePath, string synchronous, int maxBatch)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString();
        await using (var db = new RelayDbContext(new DbContextOptionsBuilder<RelayDbContext>().UseSqlite(connectionString).Options))
        {
            await db.Database.MigrateAsync();
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;");
        await ExecuteAsync(connection, $"PRAGMA synchronous={synchronous};");
        using var insert = new MessageInsert(connection);

        var filler = BenchPayload.Filler(spec.PayloadBytes);
        var batch = Math.Clamp(spec.Agents * spec.Window, 1, maxBatch);
        var rows = (long)spec.Agents * spec.MessagesPerAgent;
        var clock = Stopwatch.StartNew();
        long written = 0;
        while (written < rows)
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
            for (var i = 0; i < batch && written < rows; i++, written++)
            {
                var sender = (int)(written % spec.Agents);
                var number = (int)(written / spec.Agents);
                var target = spec.TargetOf(sender);
                using var content = JsonDocument.Parse(new BenchPayload(sender, number, Stopwatch.GetTimestamp()).Encode(filler));
                insert.Run(new Envelope
                {
                    Id = Doors.MessageIds.Of(spec.Ids, number),
                    Kind = target < 0 ? EnvelopeKinds.Broadcast : EnvelopeKinds.Direct,
                    From = Doors.AgentNames.Of(spec, sender),
                    To = target < 0 ? null : Doors.AgentNames.Of(spec, target),
                    Content = content.RootElement,
                }, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
            await tx.CommitAsync();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return new StoreResult(written, written / seconds, batch);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

public sealed record StoreResult(long Rows, double RowsPerSecond, int BatchSize);
