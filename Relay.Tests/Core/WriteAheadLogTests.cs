using System.Text.Json;
using SignalRelay.Client;
using SignalRelay.Server.Storage;

namespace SignalRelay.Tests.Core;

public sealed class WriteAheadLogTests
{
    private const long UsualLogBytes = SqliteMessageStore.WriteAheadLogLimitBytes;

    /// <summary>
    /// A reader holding one snapshot (a backup, an operator's <c>sqlite3</c> shell left in a transaction) keeps every
    /// checkpoint from finishing, so the log grows meanwhile. Once it lets go, the log is checkpointed and begun again,
    /// and its file must shrink back with it rather than stay at the largest size it ever reached until the relay stops.
    /// </summary>
    [Test]
    public async Task The_write_ahead_log_shrinks_back_once_a_reader_that_held_back_checkpoints_lets_go()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MessagesPerSecond"] = "100000",
            ["Relay:Limits:Burst"] = "100000",
        });
        var writer = await relay.ConnectAsync("writer");
        var content = JsonSerializer.SerializeToElement(new string('x', 32 * 1024));
        var sent = 0;

        using (var reader = relay.OpenDatabase())
        using (var snapshot = reader.BeginTransaction(deferred: true))
        {
            using var read = reader.CreateCommand();
            read.CommandText = "SELECT count(*) FROM messages";
            read.ExecuteScalar();
            while (sent < 2000 && LogBytes(relay) <= 3 * UsualLogBytes)
            {
                await SendAsync(writer, content, ++sent);
            }
            Assert.That(LogBytes(relay), Is.GreaterThan(3 * UsualLogBytes), "the held snapshot let the log grow");
        }

        for (var more = 0; more < 200 && LogBytes(relay) > UsualLogBytes; more++)
        {
            await SendAsync(writer, content, ++sent);
        }
        Assert.That(LogBytes(relay), Is.LessThanOrEqualTo(UsualLogBytes));
    }

    private static Task SendAsync(RelayClient writer, JsonElement content, int n) => writer.BroadcastAsync(content, $"m{n}");

    private static long LogBytes(TestRelay relay) => new FileInfo(relay.DatabasePath + "-wal").Length;
}
