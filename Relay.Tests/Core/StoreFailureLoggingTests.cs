using System.Net;
using System.Text.RegularExpressions;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// A failing store is the relay's own fault, and an operator must see it: once, as an error that names the cause, and
/// then as a count, however many clients it refuses meanwhile. Every client of a relay whose store fails is refused and
/// comes back every few seconds, so a line with a stack trace for each refusal would bury everything else in the log.
/// </summary>
public sealed class StoreFailureLoggingTests
{
    private const int Attempts = 10;

    [Test]
    public async Task Reads_a_failing_store_refuses_to_many_sign_ins_and_history_requests_are_logged_once_then_counted()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        await using var relay = await RelayProcess.StartOnLoopbackAsync(db);
        await OweBobAMessageAsync(relay);
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        using (StoreSabotage.HideMessages(db))
        {
            for (var i = 0; i < Attempts; i++)
            {
                await using var bob = await V03Async(relay.RawDoorUri, "bob");
                Assert.That((await bob.NextOfAsync("message_type", "ERROR")).ErrorCode(), Is.EqualTo(ErrorCodes.StoreUnavailable));
                Assert.That((await http.GetAsync("/api/history?agent=webby")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            }
            AssertLoggedOnce(relay.Output, "no such table: messages");
            await UntilCountedAsync(relay, 2 * Attempts - 1);
        }
    }

    [Test]
    public async Task Commits_a_failing_store_refuses_to_many_messages_are_logged_once_then_counted()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        await using var relay = await RelayProcess.StartOnLoopbackAsync(db);
        await using var alice = await V03Async(relay.RawDoorUri, "alice");

        using (StoreSabotage.RefuseInserts(db))
        {
            for (var i = 0; i < Attempts; i++)
            {
                await alice.SendAsync(Message("alice", $"m{i}", "refused"));
                Assert.That((await alice.NextOfAsync("message_type", "ERROR")).ErrorCode(), Is.EqualTo(ErrorCodes.StoreUnavailable));
            }
            AssertLoggedOnce(relay.Output, "refused by the test");
            await UntilCountedAsync(relay, Attempts - 1);
        }
    }

    [Test]
    public async Task Presence_writes_a_failing_store_refuses_round_after_round_are_logged_once_then_counted()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        await using var relay = await RelayProcess.StartOnLoopbackAsync(db,
            new Dictionary<string, string?> { ["Relay__Storage__PresenceFlushSeconds"] = "1" });

        using (StoreSabotage.Refuse(db, "INSERT ON presence"))
        {
            // bob's first record is written again every round, and refused every time.
            await using var bob = await V03Async(relay.RawDoorUri, "bob");
            await Wait.UntilAsync(() => StillFailingCounts(relay.Output).Count > 0 || ConsoleLog.WarningsAndErrors(relay.Output).Count > 2,
                "the failures are counted, or logged one by one", TimeSpan.FromSeconds(30));
        }

        Assert.That(ConsoleLog.WarningsAndErrors(relay.Output), Has.Count.EqualTo(2), relay.Output);
    }

    /// <summary>bob is known and away, and alice sent a message since: each of bob's sign-ins reads it from the store.</summary>
    private static async Task OweBobAMessageAsync(RelayProcess relay)
    {
        await (await V03Async(relay.RawDoorUri, "bob")).CloseAsync();
        await Wait.UntilAsync(() => relay.Output.Contains("Agent bob disconnected"), "bob is away");
        await using var alice = await V03Async(relay.RawDoorUri, "alice");
        await alice.SendAsync(Message("alice", "m1", "for bob"));
        await alice.NextOfAsync("message_type", "ACK");
    }

    private static void AssertLoggedOnce(string output, string cause)
    {
        var lines = ConsoleLog.WarningsAndErrors(output);
        Assert.That(lines, Has.Count.EqualTo(1), string.Join('\n', lines));
        Assert.That(lines[0], Does.Match(@"^\S+ fail: ").And.Contain(cause), "an error naming the cause");
    }

    /// <summary>Waits until the failures after the first are all counted, then checks the counts took a line or two, not one each.</summary>
    private static async Task UntilCountedAsync(RelayProcess relay, int failures)
    {
        await Wait.UntilAsync(() => StillFailingCounts(relay.Output).Sum() >= failures, "the failures are counted", TimeSpan.FromSeconds(30));
        Assert.That(StillFailingCounts(relay.Output).Sum(), Is.EqualTo(failures), relay.Output);
        Assert.That(ConsoleLog.WarningsAndErrors(relay.Output), Has.Count.LessThanOrEqualTo(3), relay.Output);
    }

    private static List<int> StillFailingCounts(string output) =>
        [.. Regex.Matches(output, @"The store is still failing: (\d+) more").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
}
