using Microsoft.Data.Sqlite;
using SignalRelay.Server.Storage;

namespace SignalRelay.Tests.Core;

/// <summary>
/// History and replay read indexes, never the whole table: one agent's history request or reconnect must cost
/// what it returns, not what the store holds (a scan of a million rows took ~200 ms of the relay's CPU).
/// </summary>
public sealed class QueryPlanTests
{
    // The reads for one agent. (History for no agent in particular reads the table itself in seq order, newest or
    // oldest first, and stops at the limit.)
    private static readonly (string Name, string Sql)[] AgentReads =
    [
        ("newest visible", MessageQueries.NewestVisible.Rows),
        ("oldest visible", MessageQueries.OldestVisible.Rows),
        ("oldest missed", MessageQueries.OldestMissed.Rows),
        ("replay cutoff", MessageQueries.NewestMissed.SeqAtOffset),
    ];

    [Test]
    public async Task Every_read_for_one_agent_goes_through_an_index_and_fetches_rows_only_by_seq()
    {
        await using var relay = await TestRelay.StartAsync();
        using var db = relay.OpenDatabase();

        // A range of seq on the table itself ("rowid>?") is a scan from that seq on, so only lookups of one seq count.
        var unindexed = AgentReads.SelectMany(read => Plan(db, read.Sql)
                .Where(step => step.Contains(" messages", StringComparison.Ordinal)
                    && !step.StartsWith("SEARCH messages USING INDEX ix_", StringComparison.Ordinal)
                    && !step.StartsWith("SEARCH messages USING COVERING INDEX ix_", StringComparison.Ordinal)
                    && step != "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)")
                .Select(step => $"{read.Name}: {step}"))
            .ToList();

        Assert.That(unindexed, Is.Empty);
    }

    private static List<string> Plan(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "$after", "$viewer", "$take", "$skip", "$agent", "$directsAfter", "$broadcastsAfter", "$upTo" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, 1);
            }
        }
        using var reader = command.ExecuteReader();
        var steps = new List<string>();
        while (reader.Read())
        {
            steps.Add(reader.GetString(3));
        }
        return steps;
    }
}
