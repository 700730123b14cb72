using System.Collections.Concurrent;
using System.Threading.Channels;
using SignalRelay.Client;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// The relay as a real process killed with SIGKILL at random points while a sender at each door (hub, v0.3, mesh)
/// sends and a receiver at each door reads (every other time once it has begun to drain after SIGTERM), then started
/// again on the same file, on the write-ahead log the killed relay left, several times over; a last life
/// without a kill lets everyone catch up. What the agents saw is then held against what the store kept.
/// </summary>
public sealed class CrashRestartTests
{
    private const int Kills = 4;
    private const int MaxSendsPerLife = 2000;
    private const int LastLifeSends = 50;
    private const string HubSender = "hub-sender", V03Sender = "v03-sender", MeshSender = "mesh-sender";
    private const string HubReceiver = "hub-receiver", V03Receiver = "v03-receiver", MeshReceiver = "mesh-receiver";
    private static readonly string[] Senders = [HubSender, V03Sender, MeshSender];
    private static readonly string[] Receivers = [HubReceiver, V03Receiver, MeshReceiver];

    // No rate limit in the way: a refusal here would be the test's doing, and its resend would break per-sender order.
    private static readonly Dictionary<string, string?> Unlimited = new()
    {
        ["Relay__Limits__MessagesPerSecond"] = "100000",
        ["Relay__Limits__Burst"] = "100000",
    };

    private readonly CrashLedger _ledger = new();
    // Per sender: ids sent that it does not know to be stored, sent again in its next life with the same id.
    private readonly Dictionary<string, List<string>> _owed = Senders.ToDictionary(s => s, _ => new List<string>());
    private readonly ConcurrentDictionary<string, int> _next = new(Senders.ToDictionary(s => s, _ => 0));
    private long _hubReceiverLast = -1;

    [Test]
    public async Task Kill_9_at_random_points_under_traffic_from_every_door_loses_no_acknowledged_message_repeats_none_and_reuses_no_seq()
    {
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");

        for (var life = 0; life < Kills; life++)
        {
            await using var relay = await RelayProcess.StartOnLoopbackAsync(db, Unlimited);
            await using var agents = await ConnectAsync(relay, life);
            using var stop = new CancellationTokenSource();
            var traffic = StartTraffic(agents, life, MaxSendsPerLife, dying: true, stop.Token);
            var killAfter = random.Next(20, 400);
            var thisLife = life;
            await Wait.UntilAsync(() => _ledger.Acks.Count(a => a.Life == thisLife) >= killAfter || traffic.All(t => t.IsCompleted),
                $"{killAfter} ACKs in life {life}", TimeSpan.FromSeconds(30));

            if (life % 2 == 1)
            {
                // Killed while it drains, as a platform does when the drain outlasts its grace period.
                relay.Terminate();
                await Wait.UntilAsync(() => relay.Output.Contains("Shutting down: closing"), "the relay drains");
            }
            KillUnlessExited(relay);
            await relay.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await stop.CancelAsync();
            await Task.WhenAll(traffic);
            await agents.EndAsync(this);
        }

        List<(long Seq, string From, string Id)> stored;
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db, Unlimited))
        await using (var agents = await ConnectAsync(relay, Kills))
        {
            await Task.WhenAll(StartTraffic(agents, Kills, LastLifeSends, dying: false, CancellationToken.None));
            var lastMesh = $"{MeshSender}-{_next[MeshSender]}";
            await Wait.UntilAsync(() => Stored(db).Any(m => m.From == MeshSender && m.Id == lastMesh), "the mesh sender's last message is stored");
            stored = Stored(db);
            var all = stored.Select(m => m.Seq).ToHashSet();
            try
            {
                await Wait.UntilAsync(() => Receivers.All(r => all.IsSubsetOf(_ledger.Deliveries.Where(d => d.Receiver == r).Select(d => d.Seq))),
                    "every receiver has every stored message", TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                // Said below, receiver by receiver.
            }
            await agents.EndAsync(this);
        }

        AssertAgainstStore(stored, seed);
    }

    private void AssertAgainstStore(List<(long Seq, string From, string Id)> stored, int seed)
    {
        var seqOf = stored.ToDictionary(m => (m.From, m.Id), m => m.Seq);
        var lostAcks = _ledger.Acks.Where(a => !seqOf.TryGetValue((a.From, a.Id), out var seq) || seq != a.Seq).ToList();
        var unstoredDeliveries = _ledger.Deliveries.Where(d => !seqOf.TryGetValue((d.From, d.Id), out var seq) || seq != d.Seq).ToList();
        var reused = _ledger.Acks.Where(a => !a.Duplicate && a.Seq <= _ledger.HighestBefore(a.Life)).ToList();
        var twice = _ledger.SeqsById().Where(kv => kv.Value.Count > 1).Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value)}").ToList();
        var outOfOrder = (from r in Receivers from s in Senders
                          let arrivals = _ledger.FirstArrivals(r, s)
                          where !arrivals.SequenceEqual(arrivals.Order())
                          select $"{r} got {s}'s out of order").ToList();
        var storedOutOfOrder = Senders.Where(s =>
        {
            var order = stored.Where(m => m.From == s).Select(m => int.Parse(m.Id[(s.Length + 1)..])).ToList();
            return !order.SequenceEqual(order.Order());
        }).ToList();
        var missing = Receivers.Select(r => (r, Missing: stored.Select(m => m.Seq).Except(_ledger.Deliveries.Where(d => d.Receiver == r).Select(d => d.Seq)).ToList()))
            .Where(x => x.Missing.Count > 0).Select(x => $"{x.r} never got {string.Join(", ", x.Missing.Take(20))} ({x.Missing.Count})").ToList();
        var repeats = _ledger.Deliveries.GroupBy(d => (d.Receiver, d.Seq)).Count(g => g.Count() > 1);
        TestContext.Out.WriteLine($"seed {seed}: {stored.Count} stored, {_ledger.Acks.Count} ACKs ({_ledger.Acks.Count(a => a.Duplicate)} duplicates), " +
            $"{_ledger.Deliveries.Count} deliveries, {repeats} delivered again after a restart (same seq)");

        Assert.Multiple(() =>
        {
            Assert.That(missing, Is.Empty, $"seed {seed}: skipped by a receiver");
            Assert.That(lostAcks, Is.Empty, $"seed {seed}: acknowledged, then not stored under the seq acknowledged");
            Assert.That(unstoredDeliveries, Is.Empty, $"seed {seed}: delivered, then not stored under the seq delivered");
            Assert.That(reused, Is.Empty, $"seed {seed}: a seq handed out again after a restart");
            Assert.That(twice, Is.Empty, $"seed {seed}: one message under two seqs");
            Assert.That(outOfOrder, Is.Empty, $"seed {seed}: per-sender order");
            Assert.That(storedOutOfOrder, Is.Empty, $"seed {seed}: senders whose messages are stored out of the order sent");
            Assert.That(stored.Select(m => m.Seq), Is.EqualTo(Enumerable.Range(1, stored.Count).Select(i => (long)i)),
                $"seed {seed}: seqs run without a gap, kills and resends notwithstanding");
            Assert.That(_ledger.Notices, Is.Empty, $"seed {seed}: nothing was removed, so no agent may be told so");
        });
    }

    private static void KillUnlessExited(RelayProcess relay)
    {
        try
        {
            relay.Kill();
        }
        catch (InvalidOperationException) when (relay.HasExited)
        {
            // The drain was over first.
        }
    }

    private async Task<LifeAgents> ConnectAsync(RelayProcess relay, int life)
    {
        var agents = new LifeAgents(life);
        var hubReceiver = new RelayClient(new RelayClientOptions
        {
            ServerUrl = relay.BaseUri,
            AgentId = HubReceiver,
            ResumeFromSeq = _hubReceiverLast >= 0 ? _hubReceiverLast : null,
            ReconnectDelays = [],
        });
        hubReceiver.ErrorReceived += e => Notice(HubReceiver, life, e.Code);
        agents.HubReceiver = hubReceiver;
        await hubReceiver.ConnectAsync();
        agents.Drains.Add(DrainHubAsync(hubReceiver, life, agents.Stop.Token));

        var v03Receiver = await V03Async(relay.RawDoorUri, V03Receiver);
        agents.Raw.Add(v03Receiver);
        agents.Drains.Add(DrainRawAsync(v03Receiver, V03Receiver, life, agents.Stop.Token));

        var meshReceiver = await RawSocketClient.ConnectAsync(relay.RawDoorUri);
        agents.Raw.Add(meshReceiver);
        await meshReceiver.SendAsync(Presence(MeshReceiver));
        agents.Drains.Add(DrainRawAsync(meshReceiver, MeshReceiver, life, agents.Stop.Token, agents.MeshReceiverHeard));

        agents.HubSender = new RelayClient(new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = HubSender, ReconnectDelays = [] });
        await agents.HubSender.ConnectAsync();
        agents.V03Sender = await V03Async(relay.RawDoorUri, V03Sender);
        agents.Raw.Add(agents.V03Sender);
        agents.MeshSender = await RawSocketClient.ConnectAsync(relay.RawDoorUri);
        agents.Raw.Add(agents.MeshSender);
        await agents.MeshSender.SendAsync(Presence(MeshSender));
        // Presence reaches only registered agents: the mesh receiver is owed everything sent from here on.
        await Wait.UntilAsync(() => agents.MeshReceiverHeard.ContainsKey(MeshSender), "the mesh receiver hears of the mesh sender");
        return agents;
    }

    private List<Task> StartTraffic(LifeAgents agents, int life, int sends, bool dying, CancellationToken stop) =>
    [
        Task.Run(() => SendAllAsync(HubSender, sends, dying, stop, async id =>
        {
            var ack = await agents.HubSender!.BroadcastAsync(Json.Of(id), id);
            _ledger.Acked(life, HubSender, id, ack.Seq, ack.Duplicate);
            _owed[HubSender].Remove(id);
        })),
        Task.Run(() => SendAllAsync(V03Sender, sends, dying, stop, async id =>
        {
            await agents.V03Sender!.SendAsync(Message(V03Sender, id, id));
            var reply = await agents.V03Sender.NextWhereAsync(f => f.Str("message_id") == id && f.Str("sender") is null, $"the reply to {id}");
            if (reply.Str("message_type") != "ACK")
            {
                throw new InvalidOperationException($"{id} was refused: {reply}");
            }
            _ledger.Acked(life, V03Sender, id, reply.Long("seq"), reply.GetProperty("duplicate").GetBoolean());
            _owed[V03Sender].Remove(id);
        })),
        Task.Run(() => SendAllAsync(MeshSender, sends, dying, stop, async id =>
        {
            // Mesh has no ACK: a mesh message counts as stored once a receiver got it (see EndAsync). Paced so the
            // receivers keep up.
            await agents.MeshSender!.SendAsync($$$"""{"type":"broadcast","id":"{{{id}}}","data":{"text":"{{{id}}}"}}""");
            if (id.EndsWith('0'))
            {
                await Task.Delay(5, CancellationToken.None);
            }
        })),
    ];

    /// <summary>What <paramref name="sender"/> owes first, with the same ids, then <paramref name="sends"/> new messages.</summary>
    private async Task SendAllAsync(string sender, int sends, bool dying, CancellationToken stop, Func<string, Task> send)
    {
        try
        {
            foreach (var id in _owed[sender].ToList())
            {
                await send(id);
            }
            for (var i = 0; i < sends && !stop.IsCancellationRequested; i++)
            {
                var id = $"{sender}-{_next.AddOrUpdate(sender, 0, (_, n) => n + 1)}";
                _owed[sender].Add(id);
                await send(id);
            }
        }
        catch (Exception) when (dying)
        {
            // The relay died under the sender: what it did not see acknowledged stays owed.
        }
    }

    private Task DrainHubAsync(RelayClient client, int life, CancellationToken stop) =>
        DrainAsync(client.Messages, e => Record(life, HubReceiver, e.From, e.Id, e.Seq), stop);

    private Task DrainRawAsync(RawSocketClient client, string receiver, int life, CancellationToken stop, ConcurrentDictionary<string, bool>? heard = null) =>
        DrainAsync(client.Frames, frame =>
        {
            if (frame.ErrorCode() is { } code)
            {
                Notice(receiver, life, code);
            }
            else if (frame.Str("type") == "presence" && frame.Str("from") is { } from)
            {
                heard?.TryAdd(from, true);
            }
            else if ((frame.Str("sender") ?? frame.Str("from")) is { } sender && Senders.Contains(sender))
            {
                Record(life, receiver, sender, frame.Str("message_id") ?? frame.Str("id")!, frame.Long("seq"));
            }
        }, stop);

    /// <summary>Hands every item to <paramref name="take"/> until the channel ends, or until <paramref name="stop"/> and then what is left in it.</summary>
    private static async Task DrainAsync<T>(ChannelReader<T> reader, Action<T> take, CancellationToken stop)
    {
        try
        {
            while (await reader.WaitToReadAsync(stop))
            {
                while (reader.TryRead(out var item))
                {
                    take(item);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or Microsoft.AspNetCore.SignalR.HubException)
        {
            // Stopped, or the relay died under the reader: the hub client ends its channel with the error, or with the
            // reason the relay gave (SERVER_SHUTDOWN) when it was killed while draining.
        }
        while (reader.TryRead(out var item))
        {
            take(item);
        }
    }

    /// <summary>Notes a notice that messages were removed or left out; others (SERVER_SHUTDOWN) are the test's doing.</summary>
    private void Notice(string receiver, int life, string code)
    {
        if (code is ErrorCodes.ResumeTooOld or ErrorCodes.ReplayTruncated)
        {
            _ledger.Notices.Enqueue($"{receiver} life {life}: {code}");
        }
    }

    private void Record(int life, string receiver, string from, string id, long seq)
    {
        if (Senders.Contains(from))
        {
            _ledger.Got(life, receiver, from, id, seq);
        }
    }

    /// <summary>The senders' messages in the store, in seq order.</summary>
    private static List<(long Seq, string From, string Id)> Stored(string databasePath)
    {
        using var connection = StoreFile.Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, from_agent, message_id FROM messages WHERE to_agent IS NULL ORDER BY seq";
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }
        return rows;
    }

    /// <summary>The agents of one life of the relay, and the loops that read for its receivers.</summary>
    private sealed class LifeAgents(int life) : IAsyncDisposable
    {
        public int Life { get; } = life;
        public CancellationTokenSource Stop { get; } = new();
        public List<Task> Drains { get; } = [];
        public List<RawSocketClient> Raw { get; } = [];
        public ConcurrentDictionary<string, bool> MeshReceiverHeard { get; } = new();
        public RelayClient? HubReceiver { get; set; }
        public RelayClient? HubSender { get; set; }
        public RawSocketClient? V03Sender { get; set; }
        public RawSocketClient? MeshSender { get; set; }

        /// <summary>
        /// Stops reading once the receivers have what they were sent; what the mesh sender owed and a receiver got was
        /// stored, so it is owed no more.
        /// </summary>
        public async Task EndAsync(CrashRestartTests test)
        {
            await Stop.CancelAsync();
            await Task.WhenAll(Drains);
            test._owed[CrashRestartTests.MeshSender].RemoveAll(test._ledger.SeenFrom(CrashRestartTests.MeshSender).Contains);
            test._hubReceiverLast = HubReceiver?.LastSeq ?? test._hubReceiverLast;
        }

        public async ValueTask DisposeAsync()
        {
            if (HubReceiver is not null) await HubReceiver.DisposeAsync();
            if (HubSender is not null) await HubSender.DisposeAsync();
            foreach (var client in Raw)
            {
                await client.DisposeAsync();
            }
            Stop.Dispose();
        }
    }
}
