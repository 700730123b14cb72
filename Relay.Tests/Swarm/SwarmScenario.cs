using System.Diagnostics;
using SignalRelay.Tests.Raw;

namespace SignalRelay.Tests.Swarm;

/// <summary>
/// A seeded swarm of agents over the three doors that come and go in every way while sending broadcasts and directs,
/// then all come back and drain. What each received is checked against <see cref="SwarmChecker"/>.
/// </summary>
public sealed class SwarmScenario : IAsyncDisposable
{
    public const string Blaster = "blaster";
    private static readonly string[] Doors = ["v0.3", "mesh", "hub"];

    private readonly Dictionary<string, CuttableProxy> _proxies = [];
    private readonly Dictionary<string, string> _doorOf = [];
    private readonly string _databasePath;
    private readonly IDictionary<string, string?> _settings;
    private readonly int _seed;
    private readonly int _rounds;
    private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _restarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TestRelay _relay;
    private int _waitingForRestart;
    private HubSwarmLink _blaster = null!;

    private SwarmScenario(TestRelay relay, string databasePath, IDictionary<string, string?> settings, int seed, int rounds)
    {
        _relay = relay;
        _databasePath = databasePath;
        _settings = settings;
        _seed = seed;
        _rounds = rounds;
    }

    /// <summary>The relay now: the one started, or the one that replaced it halfway.</summary>
    public TestRelay Relay => _relay;

    public static async Task<SwarmScenario> StartAsync(string databasePath, IDictionary<string, string?> settings, int seed, int rounds) =>
        new(await StartRelayAsync(databasePath, settings), databasePath, settings, seed, rounds);

    private static Task<TestRelay> StartRelayAsync(string databasePath, IDictionary<string, string?> settings) =>
        TestRelay.StartAsync(settings, databasePath, sendBufferBytes: RawAgents.SlowReaderBufferBytes);

    public SwarmLedger Ledger { get; } = new();

    public List<string> Agents { get; } = [];

    public List<string> Ghosts { get; } = [];

    public string SlowAgent => Agents[0];

    private int _agentsPerDoor;

    public async Task RunAsync(int agentsPerDoor, int ghostsPerDoor)
    {
        _agentsPerDoor = agentsPerDoor;
        for (var i = 0; i < agentsPerDoor; i++)
        {
            foreach (var door in Doors)
            {
                var name = $"{door.Replace(".", "")}-{i}";
                Agents.Add(name);
                _doorOf[name] = door;
            }
        }
        for (var i = 0; i < ghostsPerDoor; i++)
        {
            foreach (var door in Doors)
            {
                var name = $"ghost-{door.Replace(".", "")}-{i}";
                Ghosts.Add(name);
                _doorOf[name] = door;
            }
        }
        // Every connection goes through a proxy, the blaster's too, so that after the restart (on a port of its own)
        // the clients that reconnect by themselves find the new relay.
        foreach (var name in Agents.Concat(Ghosts).Append(Blaster))
        {
            _proxies[name] = new CuttableProxy(_relay.BaseUri);
        }
        try
        {
            _blaster = await OpenAsync(Blaster, "hub", _proxies[Blaster].BaseUri, reconnects: true) as HubSwarmLink
                ?? throw new InvalidOperationException();
            var agents = Task.WhenAll(Agents.Select((name, i) => Task.Run(() => RunAgentAsync(name, new Random(_seed * 1000 + i)))));
            if (await Task.WhenAny(_allArrived.Task, agents) == _allArrived.Task)
            {
                await RestartAsync();
            }
            await agents;
            await DrainAsync(new Random(_seed));
            await _blaster.DisposeAsync();
        }
        finally
        {
            foreach (var proxy in _proxies.Values)
            {
                await proxy.DisposeAsync();
            }
        }
    }

    private async Task RunAgentAsync(string name, Random random)
    {
        var door = _doorOf[name];
        var record = Ledger.Agent(name);
        if (name.EndsWith($"-{_agentsPerDoor - 1}", StringComparison.Ordinal))
        {
            // Late joiners: pacing only, what they are owed is decided by when they were seen to come.
            await Task.Delay(random.Next(300, 1500));
        }
        var proxy = _proxies[name];
        var unacked = new List<(string Id, string? To)>();
        var sent = 0;
        ISwarmLink? link = null;
        var exit = ChooseExit(random, door, slow: name == SlowAgent);
        for (var round = 0; round < _rounds; round++)
        {
            if (round == _rounds / 2)
            {
                link = await ThroughRestartAsync(name, door, link, exit, random);
            }
            // Chosen a round ahead: a hub link that will be cut must be opened not to reconnect by itself.
            var nextExit = ChooseExit(random, door, slow: name == SlowAgent);
            link ??= await OpenAsync(name, door, proxy.BaseUri, reconnects: exit != SwarmExit.Cut, ChooseResume(random, record, door));
            foreach (var (id, to) in unacked.ToList())
            {
                if (await link.SendAsync(id, to) is not null)
                {
                    unacked.Remove((id, to));
                }
            }
            var count = random.Next(5, 25);
            for (var i = 0; i < count; i++)
            {
                var to = random.Next(2) == 0 ? null : PickOther(random, name);
                var id = $"{name}-{sent++}";
                Ledger.Sending(name, id, to);
                if (await link.SendAsync(id, to) is null && door != "mesh")
                {
                    unacked.Add((id, to));
                }
                if (door == "hub" && exit != SwarmExit.Cut && random.Next(25) == 0)
                {
                    await BlipAsync((HubSwarmLink)link, proxy, waitForReconnect: random.Next(2) == 0);
                }
            }
            if (exit == SwarmExit.Replaced)
            {
                if (link is HubSwarmLink hub)
                {
                    // A client that has not yet noticed a cut would come back after its successor and replace it in turn.
                    await hub.Reconnecting;
                }
                link.Connection.Exit = SwarmExit.Replaced;
                var next = await OpenAsync(name, door, proxy.BaseUri, reconnects: nextExit != SwarmExit.Cut, ChooseResume(random, record, door));
                await link.EndedAsync();
                await link.DisposeAsync();
                link = next;
                exit = nextExit;
                continue;
            }
            await link.LeaveAsync(exit, proxy);
            await link.DisposeAsync();
            link = null;
            if (name == SlowAgent && round % 2 == 1)
            {
                await SlowRoundAsync(name);
            }
            exit = nextExit;
        }
        if (link is not null)
        {
            await link.LeaveAsync(SwarmExit.ClientClose, proxy);
            await link.DisposeAsync();
        }
    }

    /// <summary>
    /// Holds the agent with a connection open until every agent is there, while the relay restarts gracefully: a raw
    /// connection is closed with SERVER_SHUTDOWN, a hub client comes back by itself (unless it is one that does not).
    /// </summary>
    private async Task<ISwarmLink?> ThroughRestartAsync(string name, string door, ISwarmLink? link, SwarmExit exit, Random random)
    {
        link ??= await OpenAsync(name, door, _proxies[name].BaseUri, reconnects: exit != SwarmExit.Cut, ChooseResume(random, Ledger.Agent(name), door));
        var hub = link as HubSwarmLink;
        if (hub is not null)
        {
            await hub.Reconnecting;
        }
        var back = hub is not null && exit != SwarmExit.Cut
            ? Wait.ForEventAsync<bool>(h => hub.Client.Reconnected += () => h(true), _ => true, $"{name} reconnects after the restart", TimeSpan.FromSeconds(30))
            : null;
        if (Interlocked.Increment(ref _waitingForRestart) == Agents.Count)
        {
            _allArrived.TrySetResult();
        }
        await _restarted.Task;
        if (back is not null)
        {
            await back;
            return link;
        }
        link.Connection.Exit = SwarmExit.ServerShutdown;
        await link.EndedAsync();
        await link.DisposeAsync();
        return null;
    }

    private async Task RestartAsync()
    {
        await _relay.DisposeAsync();
        _relay = await StartRelayAsync(_databasePath, _settings);
        foreach (var proxy in _proxies.Values)
        {
            proxy.RetargetTo(_relay.BaseUri);
        }
        // The blaster's client comes back by itself, but between its attempts it is disconnected and refuses a send: the
        // slow round and the drain that follow the restart send through it, so the restart ends once it is back.
        await RawAgents.UntilOnlineAsync(_relay, Blaster);
        _restarted.TrySetResult();
    }

    public ValueTask DisposeAsync() => _relay.DisposeAsync();

    private static async Task BlipAsync(HubSwarmLink link, CuttableProxy proxy, bool waitForReconnect)
    {
        link.Reconnecting = Wait.ForEventAsync<bool>(h => link.Client.Reconnected += () => h(true), _ => true, "the hub client reconnects");
        proxy.CutClients();
        if (waitForReconnect)
        {
            await link.Reconnecting;
        }
    }

    /// <summary>The agent comes back on a socket it never reads while large directs pile up, until SLOW_CONSUMER drops it.</summary>
    private async Task SlowRoundAsync(string name)
    {
        var registry = _relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>();
        await RawAgents.UntilOnlineAsync(_relay, name, online: false);
        var record = Ledger.Agent(name);
        var connection = record.Open("v0.3", null);
        using var socket = await RawAgents.HelloOnPlainSocketAsync(_relay, name);
        await RawAgents.UntilOnlineAsync(_relay, name);
        var payload = Json.Of(new string('s', 60_000));
        for (var i = 0; i < 300 && registry.IsOnline(name); i++)
        {
            var id = $"{Blaster}-slow-{connection.Index}-{i}";
            Ledger.Sending(Blaster, id, name);
            Ledger.Acked(Blaster, id, (await _blaster.Client.DirectAsync(name, payload, id)).Seq);
        }
        await RawAgents.UntilOnlineAsync(_relay, name, online: false);
        connection.Exit = SwarmExit.SlowConsumer;
        socket.Abort();
    }

    /// <summary>Every agent, ghosts too, comes back; a direct from the blaster marks the end of what each is owed.</summary>
    private async Task DrainAsync(Random random)
    {
        foreach (var name in Ghosts)
        {
            // Each ghost comes once for what waited for it, then leaves, to come back below with the others.
            var visit = await OpenAsync(name, _doorOf[name], _proxies[name].BaseUri, reconnects: false);
            var marker = $"visit-{name}";
            Ledger.Sending(Blaster, marker, name);
            await _blaster.SendAsync(marker, name);
            await visit.Saw(marker).WaitAsync(Wait.Default);
            await visit.LeaveAsync(random.Next(2) == 0 ? SwarmExit.Cut : SwarmExit.ClientClose, _proxies[name]);
            await visit.DisposeAsync();
        }
        var links = new Dictionary<string, ISwarmLink>();
        foreach (var name in Agents.Concat(Ghosts))
        {
            var record = Ledger.Agent(name);
            links[name] = await OpenAsync(name, _doorOf[name], _proxies[name].BaseUri, reconnects: true, ChooseResume(random, record, _doorOf[name]));
        }
        foreach (var name in links.Keys)
        {
            var marker = $"marker-{name}";
            Ledger.Sending(Blaster, marker, name);
            Ledger.Agent(name).MarkerSeq = await _blaster.SendAsync(marker, name)
                ?? throw new InvalidOperationException($"the marker for {name} was not acknowledged");
        }
        try
        {
            foreach (var (name, link) in links)
            {
                await link.Saw($"marker-{name}").WaitAsync(TimeSpan.FromSeconds(20));
            }
        }
        finally
        {
            foreach (var link in links.Values)
            {
                await link.DisposeAsync();
            }
        }
    }

    private async Task<ISwarmLink> OpenAsync(string name, string door, Uri server, bool reconnects, long? resume = null)
    {
        var record = Ledger.Agent(name);
        var first = record.Connections.Count == 0;
        if (first)
        {
            record.FloorBelow = Ledger.NewestAcked;
        }
        var connection = record.Open(door, first ? null : resume);
        var wsDoor = new Uri($"ws://{server.Authority}/");
        ISwarmLink link = door switch
        {
            "hub" => await HubSwarmLink.OpenAsync(server, record, connection, reconnects),
            _ => await RawSwarmLink.OpenAsync(wsDoor, door == "mesh", record, connection, Blaster),
        };
        if (first)
        {
            record.FirstOnlineTick = Ledger.Tick();
        }
        return link;
    }

    private static SwarmExit ChooseExit(Random random, string door, bool slow)
    {
        SwarmExit[] exits = door switch
        {
            "v0.3" => [SwarmExit.Goodbye, SwarmExit.ClientClose, SwarmExit.Cut, SwarmExit.Replaced],
            _ => [SwarmExit.ClientClose, SwarmExit.Cut, SwarmExit.Replaced],
        };
        // The slow reader's relay side must be gone before it comes back on a socket it never reads.
        return slow ? random.Next(2) == 0 ? SwarmExit.Goodbye : SwarmExit.ClientClose : exits[random.Next(exits.Length)];
    }

    /// <summary>A hub agent comes back after the last seq it processed, as docs/protocol.md says it must; a raw one may.</summary>
    private static long? ChooseResume(Random random, SwarmAgentRecord record, string door)
    {
        if (random.Next(8) == 0)
        {
            // Everything again: the relay must still hold back the broadcasts from before the agent first came.
            return 0;
        }
        var last = record.LastProcessed;
        return door == "hub" ? Math.Max(last, 0) : random.Next(2) == 0 && last >= 0 ? last : null;
    }

    private string PickOther(Random random, string name)
    {
        var everyone = Agents.Concat(Ghosts).Where(a => a != name).ToList();
        return everyone[random.Next(everyone.Count)];
    }
}
