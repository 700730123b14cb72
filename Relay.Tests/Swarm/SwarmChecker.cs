namespace SignalRelay.Tests.Swarm;

/// <summary>One stored message, as the relay's database holds it.</summary>
public sealed record StoredMessage(long Seq, string From, string Id, string? To);

/// <summary>
/// Checks what every agent received against the model and the store: each message owed exactly once (by seq),
/// nothing not addressed to it, seqs rising on every connection, per-sender order, and repeats only where
/// docs/protocol.md allows them.
/// </summary>
public static class SwarmChecker
{
    public static List<StoredMessage> ReadStore(TestRelay relay)
    {
        using var db = relay.OpenDatabase();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT seq, from_agent, message_id, to_agent FROM messages ORDER BY seq";
        using var reader = command.ExecuteReader();
        var rows = new List<StoredMessage>();
        while (reader.Read())
        {
            rows.Add(new StoredMessage(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return rows;
    }

    public static List<string> Violations(SwarmLedger ledger, IReadOnlyList<StoredMessage> store, IEnumerable<string> checkedAgents)
    {
        var violations = new List<string>();
        var bySeq = store.ToDictionary(m => m.Seq);
        CheckAcks(ledger, store, violations);
        foreach (var agentId in checkedAgents)
        {
            var before = violations.Count;
            CheckAgent(ledger, ledger.Agent(agentId), store, bySeq, violations);
            if (violations.Count > before)
            {
                violations.Insert(before, Connections(ledger.Agent(agentId)));
            }
        }
        return violations;
    }

    /// <summary>An agent's connections in order, for reading its violations: door, resume point, exit, seqs received.</summary>
    private static string Connections(SwarmAgentRecord agent)
    {
        lock (agent)
        {
            return $"{agent.Id}'s connections: " + string.Join("; ", agent.Connections.Select(c =>
            {
                var got = agent.Receipts.Where(r => r.Connection == c.Index).Select(r => r.Seq).ToList();
                return $"c{c.Index} {c.Door} resume {c.ResumeFrom?.ToString() ?? "none"} ended {c.Exit}, " +
                    (got.Count == 0 ? "got nothing" : $"got {got.Count} in {got.Min()}..{got.Max()}");
            }));
        }
    }

    private static void CheckAcks(SwarmLedger ledger, IReadOnlyList<StoredMessage> store, List<string> violations)
    {
        foreach (var group in store.GroupBy(m => (m.From, m.Id)).Where(g => g.Count() > 1))
        {
            violations.Add($"({group.Key.From}, {group.Key.Id}) stored {group.Count()} times: seqs {string.Join(",", group.Select(m => m.Seq))}");
        }
        var byKey = store.GroupBy(m => (m.From, m.Id)).ToDictionary(g => g.Key, g => g.First());
        foreach (var send in ledger.Sends.Values)
        {
            foreach (var seq in send.AckedSeqs.Distinct())
            {
                if (!byKey.TryGetValue((send.From, send.Id), out var stored) || stored.Seq != seq)
                {
                    violations.Add($"ACK of ({send.From}, {send.Id}) gave seq {seq}, the store holds {(stored is null ? "nothing" : stored.Seq)}");
                }
            }
        }
    }

    private static void CheckAgent(SwarmLedger ledger, SwarmAgentRecord agent, IReadOnlyList<StoredMessage> store,
        Dictionary<long, StoredMessage> bySeq, List<string> violations)
    {
        var name = agent.Id;
        List<SwarmReceipt> receipts;
        lock (agent)
        {
            receipts = [.. agent.Receipts];
        }
        var seen = new Dictionary<long, int>();
        var lastOnConnection = new Dictionary<int, long>();
        var lastFromSender = new Dictionary<string, long>();
        foreach (var r in receipts)
        {
            var connection = agent.Connections[r.Connection];
            if (!bySeq.TryGetValue(r.Seq, out var stored) || stored.From != r.From || stored.Id != r.Id || stored.To != r.To)
            {
                violations.Add($"{name} c{r.Connection}: got seq {r.Seq} ({r.From}, {r.Id}, to {r.To}) which the store does not hold as such");
                continue;
            }
            if (stored.To is not null && stored.To != name)
            {
                violations.Add($"{name} c{r.Connection}: got {stored.To}'s direct seq {r.Seq}");
            }
            if (stored.To is null && stored.From == name)
            {
                violations.Add($"{name} c{r.Connection}: got its own broadcast seq {r.Seq}");
            }
            if (stored.To is null && agent.FloorBelow is long floor && r.Seq <= floor)
            {
                violations.Add($"{name} c{r.Connection}: got broadcast seq {r.Seq} acknowledged before it first came (newest then {floor})");
            }
            if (lastOnConnection.TryGetValue(r.Connection, out var previous) && r.Seq <= previous)
            {
                violations.Add($"{name} c{r.Connection} ({connection.Door}): seq {r.Seq} after {previous} on the same connection");
            }
            lastOnConnection[r.Connection] = r.Seq;
            if (!seen.TryAdd(r.Seq, r.Connection))
            {
                // Connections overlap while one replaces another: the later-opened one is the one sent the seq again.
                var later = agent.Connections[Math.Max(seen[r.Seq], r.Connection)];
                if (!RepeatAllowed(later, r.Seq, NewestOn(receipts, later.Index - 1)))
                {
                    violations.Add($"{name} c{later.Index} ({later.Door}, resume {later.ResumeFrom?.ToString() ?? "none"}, " +
                        $"previous ended {later.PreviousExit}): seq {r.Seq} again (first on c{seen[r.Seq]})");
                }
                continue;
            }
            if (lastFromSender.TryGetValue(r.From, out var fromBefore) && r.Seq < fromBefore)
            {
                violations.Add($"{name} c{r.Connection}: {r.From}'s seq {r.Seq} after its seq {fromBefore}");
            }
            lastFromSender[r.From] = Math.Max(r.Seq, fromBefore);
        }

        var marker = agent.MarkerSeq ?? long.MaxValue;
        foreach (var m in store.Where(m => m.Seq < marker && !seen.ContainsKey(m.Seq)))
        {
            if (m.To == name)
            {
                violations.Add($"{name}: never got direct seq {m.Seq} ({m.From}, {m.Id})");
            }
            else if (m.To is null && m.From != name && Owed(ledger, agent, m))
            {
                violations.Add($"{name}: never got broadcast seq {m.Seq} ({m.From}, {m.Id}) sent after it first came");
            }
        }
    }

    /// <summary>A broadcast is owed when its send began after the agent's first connection was seen identified.</summary>
    private static bool Owed(SwarmLedger ledger, SwarmAgentRecord agent, StoredMessage m) =>
        agent.FirstOnlineTick is long online && ledger.Sends.TryGetValue((m.From, m.Id), out var send) && send.StartTick > online;

    /// <summary>
    /// docs/protocol.md: a connection that named a resume point asked for everything after it; a raw connection without
    /// one may be sent again what was not confirmed. A last ping the client read (GOODBYE, or a graceful shutdown: README,
    /// guarantee 6) confirms what its connection was sent, which is everything up to the newest seq it received; what
    /// came after that on an earlier connection, unconfirmed, may come again.
    /// </summary>
    private static bool RepeatAllowed(SwarmConnection connection, long seq, long newestOnPrevious) =>
        connection.ResumeFrom is long resume
            ? seq > resume
            : connection.Door != "hub" &&
              (connection.PreviousExit is not (SwarmExit.Goodbye or SwarmExit.ServerShutdown) || seq > newestOnPrevious);

    private static long NewestOn(List<SwarmReceipt> receipts, int connection) =>
        receipts.Where(r => r.Connection == connection).Select(r => r.Seq).DefaultIfEmpty(-1).Max();
}
