using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SignalRelay.Bench.Measure;
using SignalRelay.Server.Storage;

namespace SignalRelay.Bench.Targets;

/// <summary>
/// The store limit: the run's rows inserted straight into SQLite, in the relay's schema and with its pragmas,
/// one prepared statement, in transactions as big as everything the agents can have in flight at once
/// (the largest batch group commit could gather). Nothing else: no sockets, no routing.
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
        await using var insert = connection.CreateCommand();
        insert.CommandText =
            "INSERT OR IGNORE INTO messages (message_id, kind, from_agent, to_agent, content, sent_at, received_at_ms) " +
            "VALUES ($id, $kind, $from, $to, $content, NULL, $received) RETURNING seq";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var kind = insert.Parameters.Add("$kind", SqliteType.Text);
        var from = insert.Parameters.Add("$from", SqliteType.Text);
        var to = insert.Parameters.Add("$to", SqliteType.Text);
        var content = insert.Parameters.Add("$content", SqliteType.Text);
        var received = insert.Parameters.Add("$received", SqliteType.Integer);
        insert.Prepare();

        var filler = BenchPayload.Filler(spec.PayloadBytes);
        var batch = Math.Clamp(spec.Agents * spec.Window, 1, maxBatch);
        var rows = (long)spec.Agents * spec.MessagesPerAgent;
        var clock = Stopwatch.StartNew();
        long written = 0;
        while (written < rows)
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
            insert.Transaction = tx;
            for (var i = 0; i < batch && written < rows; i++, written++)
            {
                var sender = (int)(written % spec.Agents);
                var number = (int)(written / spec.Agents);
                var target = spec.TargetOf(sender);
                id.Value = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                kind.Value = target < 0 ? "broadcast" : "direct";
                from.Value = Doors.AgentNames.Of(spec, sender);
                to.Value = target < 0 ? DBNull.Value : Doors.AgentNames.Of(spec, target);
                content.Value = System.Text.Encoding.UTF8.GetString(new BenchPayload(sender, number, Stopwatch.GetTimestamp()).Encode(filler));
                received.Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await insert.ExecuteScalarAsync();
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
