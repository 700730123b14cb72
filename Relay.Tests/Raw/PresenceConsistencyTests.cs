using Microsoft.Data.Sqlite;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>
/// What each agent is told of who is online adds up to the truth: a v0.3 agent's <c>connected_agents</c> counts those
/// there when it joined, and the notices after WELCOME tell the changes after that, each once.
/// </summary>
public sealed class PresenceConsistencyTests
{
    [Test]
    public async Task A_v03_newcomers_connected_agents_does_not_count_an_agent_it_is_then_told_joined_after_it()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var early = await RawSocketClient.ConnectAsync(relay);
        await using var late = await RawSocketClient.ConnectAsync(relay);
        // Both are new agents, so each waits for its record to be stored before WELCOME: the store's lock holds them
        // there, registered one after the other.
        using (HoldStoreLock(relay))
        {
            await early.SendAsync(Hello("early"));
            await UntilOnlineAsync(relay, "early");
            await late.SendAsync(Hello("late"));
            await UntilOnlineAsync(relay, "late");
        }

        var welcome = await early.NextAsync("WELCOME");
        Assert.That(welcome.Str("message_type"), Is.EqualTo("WELCOME"), welcome.ToString());
        var joined = await early.NextWhereAsync(f => f.Str("kind") == "presence", "late's presence");
        Assert.That((joined.Str("agent"), joined.Str("status")), Is.EqualTo(("late", "online")), "late joined after early");
        Assert.That(welcome.Long("connected_agents"), Is.EqualTo(1),
            "connected_agents counts those already there when early joined (itself); late, told as joining after it, is counted twice");
    }

    [Test]
    public async Task A_v03_newcomers_connected_agents_counts_an_agent_it_is_then_told_left()
    {
        await using var relay = await TestRelay.StartAsync();
        var leaver = await V03Async(relay, "leaver");
        await using var newcomer = await RawSocketClient.ConnectAsync(relay);
        using (HoldStoreLock(relay))
        {
            await newcomer.SendAsync(Hello("newcomer"));
            await UntilOnlineAsync(relay, "newcomer");
            await leaver.CloseAsync();
            await leaver.DisposeAsync();
            await UntilOnlineAsync(relay, "leaver", online: false);
        }

        var welcome = await newcomer.NextAsync("WELCOME");
        Assert.That(welcome.Str("message_type"), Is.EqualTo("WELCOME"), welcome.ToString());
        var left = await newcomer.NextWhereAsync(f => f.Str("kind") == "presence", "leaver's presence");
        Assert.That((left.Str("agent"), left.Str("status")), Is.EqualTo(("leaver", "offline")), "leaver left after newcomer joined");
        Assert.That(welcome.Long("connected_agents"), Is.EqualTo(2),
            "connected_agents counts those already there when newcomer joined, leaver among them, since it is then told leaver left");
    }

    /// <summary>Holds the store's write lock from another connection, so the relay's writes wait for it, until disposed.</summary>
    private static SqliteConnection HoldStoreLock(TestRelay relay)
    {
        var holder = StoreFile.Open(relay.DatabasePath);
        using var begin = holder.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.ExecuteNonQuery();
        return holder;
    }
}
