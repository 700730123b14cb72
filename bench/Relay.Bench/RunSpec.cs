using SignalRelay.Bench.Doors;

namespace SignalRelay.Bench;

/// <summary>The ways into the relay the generator can drive, plus the bare transport reference.</summary>
public enum Door
{
    Hub,
    V03,
    Mesh,
    Transport,
}

public enum Pattern
{
    /// <summary>Every message goes to every other agent.</summary>
    Broadcast,

    /// <summary>Agents 2k and 2k+1 send to each other only.</summary>
    Direct,
}

/// <summary>One bounded load: who connects, what they send, how fast, for how long at most.</summary>
public sealed record RunSpec
{
    public required string Name { get; init; }
    public Door Door { get; init; } = Door.Hub;
    public int Agents { get; init; } = 10;
    public int MessagesPerAgent { get; init; } = 1000;
    public int Window { get; init; } = 8;
    public int PayloadBytes { get; init; } = 256;
    public Pattern Pattern { get; init; } = Pattern.Broadcast;
    public IdStyle Ids { get; init; } = IdStyle.Counter;

    /// <summary>Messages per second offered in total across all agents; 0 sends as fast as the window allows.</summary>
    public double OfferedRate { get; init; }

    /// <summary>Sending stops after this long even if messages are left.</summary>
    public TimeSpan DurationCap { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Agent ids are this prefix and the agent's number, so a warm-up pass and the measured pass never meet.</summary>
    public string AgentPrefix { get; init; } = "bench";

    /// <summary>Connecting every agent must take no longer; an idle run goes on with those connected by then.</summary>
    public TimeSpan ConnectCap { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The relay requires OIDC JWT (its <c>Auth:Mode=Jwt</c>), trusting an issuer the bench runs on loopback, and
    /// every agent connects with a token of its own. The references take no tokens.
    /// </summary>
    public bool Auth { get; init; }

    /// <summary>
    /// History readers beside the measured agents, on the relay's v0.3 door (<see cref="Doors.HistoryReader"/>): they
    /// load the store's reads while the measured agents send. None in any scenario; <c>--readers</c> adds them.
    /// </summary>
    public int HistoryReaders { get; init; }

    /// <summary>Idle runs connect the agents, send one broadcast from one of them and measure its reach.</summary>
    public bool Idle { get; init; }

    /// <summary>Which agent a message from <paramref name="sender"/> goes to, or -1 for everyone else.</summary>
    public int TargetOf(int sender) => Pattern == Pattern.Direct ? sender ^ 1 : -1;

    /// <summary>How many agents receive each message.</summary>
    public int ReceiversPerMessage => Pattern == Pattern.Direct ? 1 : Agents - 1;
}
