using System.Collections.Concurrent;

namespace SignalRelay.Tests.Swarm;

/// <summary>How a connection of the swarm ended, which decides whether its successor may send a frame again.</summary>
public enum SwarmExit
{
    /// <summary>v0.3 GOODBYE: the relay closes after a last ping, so a client reading to the end has all confirmed.</summary>
    Goodbye,
    /// <summary>The client sends the close frame (mesh, hub dispose): only what its pongs confirmed counts.</summary>
    ClientClose,
    /// <summary>The network dies under it (CuttableProxy): the relay's side stays half open.</summary>
    Cut,
    /// <summary>A second connection for the same agent took over (SESSION_REPLACED).</summary>
    Replaced,
    /// <summary>It read nothing and was dropped (SLOW_CONSUMER).</summary>
    SlowConsumer,
    /// <summary>The relay shut down gracefully (SERVER_SHUTDOWN), after a last ping a client reading to the end answers.</summary>
    ServerShutdown,
    /// <summary>Still open when the scenario ended.</summary>
    Open,
}

/// <summary>One message an agent of the swarm sent, as the sender saw it.</summary>
public sealed record SwarmSend(string From, string Id, string? To, long StartTick)
{
    /// <summary>Every seq an ACK gave for this (from, id): more than one value means a resend was delivered anew.</summary>
    public ConcurrentBag<long> AckedSeqs { get; } = [];
}

/// <summary>One message as an agent's connection received it.</summary>
public sealed record SwarmReceipt(int Connection, long Seq, string From, string Id, string? To);

/// <summary>One connection of an agent: its door, the resume point it named, and how the one before it ended.</summary>
public sealed record SwarmConnection(int Index, string Door, long? ResumeFrom, SwarmExit PreviousExit)
{
    public SwarmExit Exit { get; set; } = SwarmExit.Open;
}

/// <summary>What the scenario knows of one agent: when it first came, its connections and what they received.</summary>
public sealed class SwarmAgentRecord(string id, SwarmLedger ledger)
{
    public string Id { get; } = id;

    public SwarmLedger Ledger { get; } = ledger;

    /// <summary>The newest seq acknowledged before its first connection began: no broadcast at or below it may come.</summary>
    public long? FloorBelow { get; set; }

    /// <summary>The tick at which its first connection was seen identified: broadcasts sent after it are owed.</summary>
    public long? FirstOnlineTick { get; set; }

    public List<SwarmConnection> Connections { get; } = [];

    public List<SwarmReceipt> Receipts { get; } = [];

    /// <summary>The seq of the end marker: what is owed is counted below it.</summary>
    public long? MarkerSeq { get; set; }

    /// <summary>The newest seq this agent processed, kept across its connections as a careful agent keeps it.</summary>
    public long LastProcessed { get; set; } = -1;

    public SwarmConnection Open(string door, long? resumeFrom)
    {
        lock (this)
        {
            var previous = Connections.Count == 0 ? SwarmExit.Open : Connections[^1].Exit;
            var connection = new SwarmConnection(Connections.Count, door, resumeFrom, previous);
            Connections.Add(connection);
            return connection;
        }
    }

    public void Receive(SwarmReceipt receipt)
    {
        lock (this)
        {
            Receipts.Add(receipt);
            LastProcessed = Math.Max(LastProcessed, receipt.Seq);
        }
    }
}

/// <summary>The model of the swarm: every send with its ACKs, every agent with what it received, and a clock of ticks.</summary>
public sealed class SwarmLedger
{
    private long _tick;

    public ConcurrentDictionary<(string From, string Id), SwarmSend> Sends { get; } = new();

    public ConcurrentDictionary<string, SwarmAgentRecord> Agents { get; } = new();

    /// <summary>A tick of a total order: one taken after another event was observed is greater than that event's.</summary>
    public long Tick() => Interlocked.Increment(ref _tick);

    public SwarmAgentRecord Agent(string id) => Agents.GetOrAdd(id, a => new SwarmAgentRecord(a, this));

    public SwarmSend Sending(string from, string id, string? to) =>
        Sends.GetOrAdd((from, id), key => new SwarmSend(key.From, key.Id, to, Tick()));

    private long _newestAcked;

    /// <summary>The newest seq any sender has been acknowledged so far.</summary>
    public long NewestAcked => Interlocked.Read(ref _newestAcked);

    public void Acked(string from, string id, long seq)
    {
        Sends[(from, id)].AckedSeqs.Add(seq);
        long newest;
        while (seq > (newest = Interlocked.Read(ref _newestAcked)) && Interlocked.CompareExchange(ref _newestAcked, seq, newest) != newest)
        {
        }
    }
}
