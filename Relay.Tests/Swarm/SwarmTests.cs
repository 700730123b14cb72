namespace SignalRelay.Tests.Swarm;

/// <summary>
/// The bus's guarantees under churn, checked as a whole against a model of what was acknowledged. More seeds on demand:
/// add test cases, or run it alone (<c>dotnet test Relay.Tests --filter FullyQualifiedName~Swarm</c>).
/// </summary>
public sealed class SwarmTests
{
    [TestCase(1)]
    [TestCase(25)]
    public async Task A_churning_swarm_over_the_three_doors_gets_exactly_what_it_is_owed(int seed)
    {
        using var data = new TempDirectory();
        await using var scenario = await SwarmScenario.StartAsync(data.File("relay.db"), new Dictionary<string, string?>
        {
            ["Relay:Limits:MaxQueuedBytes"] = "1048576",
        }, seed, rounds: 6);

        await scenario.RunAsync(agentsPerDoor: 4, ghostsPerDoor: 1);

        var store = SwarmChecker.ReadStore(scenario.Relay);
        var violations = SwarmChecker.Violations(scenario.Ledger, store, scenario.Agents.Concat(scenario.Ghosts));
        TestContext.Out.WriteLine($"seed {seed}: {store.Count} messages stored, " +
            $"{scenario.Ledger.Agents.Values.Sum(a => a.Connections.Count)} connections, " +
            $"{scenario.Ledger.Agents.Values.Sum(a => a.Receipts.Count)} receipts, " +
            $"{scenario.Ledger.Agents.Values.Sum(a => a.Receipts.Count - a.Receipts.Select(r => r.Seq).Distinct().Count())} repeats; exits " +
            string.Join(", ", scenario.Ledger.Agents.Values.SelectMany(a => a.Connections).GroupBy(c => c.Exit).Select(g => $"{g.Key} {g.Count()}")) +
            "; resumed " + scenario.Ledger.Agents.Values.SelectMany(a => a.Connections).Count(c => c.ResumeFrom is not null));
        Assert.That(violations, Is.Empty, string.Join("\n", violations.Take(40)));
    }
}
