using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using SignalRelay.Client;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>The relay as a real process: what happens to acknowledged messages on SIGTERM and on kill -9.</summary>
public sealed class DurabilityTests
{
    [Test]
    public async Task Sigterm_with_agents_connected_tells_them_exits_0_within_the_timeout_and_keeps_every_acked_message()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        var acked = new List<SendAck>();
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db))
        {
            await using var alice = await ConnectAsync(relay, "alice");
            await using var bob = await ConnectAsync(relay, "bob");
            var told = Wait.ForEventAsync<RelayError>(h => bob.ErrorReceived += h, e => e.Code == ErrorCodes.ServerShutdown, "SERVER_SHUTDOWN");
            for (var i = 0; i < 50; i++)
            {
                acked.Add(await alice.BroadcastAsync(Json.Of($"m{i}"), $"m{i}"));
            }

            relay.Terminate();

            Assert.That(await relay.WaitForExitAsync(TimeSpan.FromSeconds(15)), Is.EqualTo(0), relay.Output);
            await told;
        }

        Assert.That(StoredIds(db, "alice"), Is.SupersetOf(acked.Select(a => a.Id)));
    }

    [Test]
    public async Task Sigterm_while_a_client_has_sent_half_a_request_still_exits_0_and_keeps_what_agents_read()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        SendAck ack;
        // No periodic presence write in the test's time: only the ones at shutdown can store bob's cursor.
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db, new Dictionary<string, string?>
        {
            ["Relay__Shutdown__TimeoutSeconds"] = "1",
            ["Relay__Storage__PresenceFlushSeconds"] = "3600",
        }))
        {
            await using var alice = await ConnectAsync(relay, "alice");
            await using var bob = await ConnectAsync(relay, "bob");
            ack = await alice.BroadcastAsync(Json.Of("read before the stop"), "m1");
            await Wait.NextAsync(bob.Messages);
            using var halfSent = await HoldTheServerStopAsync(relay);

            relay.Terminate();

            Assert.That(await relay.WaitForExitAsync(TimeSpan.FromSeconds(15)), Is.EqualTo(0), relay.Output);
            // The cursors were written before the server's stop: a warning that they may not have been would send the
            // operator looking for a loss that did not happen.
            Assert.That(ConsoleLog.WarningsAndErrors(relay.Output), Is.Empty, relay.Output);
        }

        Assert.That(StoreFile.CursorOf(db, "bob"), Is.GreaterThanOrEqualTo(ack.Seq), "a restart would send bob again what he read");
    }

    [Test]
    public async Task Sigterm_while_a_commit_waits_on_another_process_lock_exits_0_within_the_timeout()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        await using var relay = await RelayProcess.StartOnLoopbackAsync(db,
            new Dictionary<string, string?> { ["Relay__Shutdown__TimeoutSeconds"] = "1" });
        await using var alice = await ConnectAsync(relay, "alice");
        // Acknowledged only once the hub has finished connecting alice, which stores her record first.
        await alice.BroadcastAsync(Json.Of("before the lock"));
        using var holder = StoreFile.Open(db);
        using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }
        var waiting = alice.BroadcastAsync(Json.Of("waits for the lock"));
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        // Readiness turns once the commit has waited 5 s: then it is surely stuck on the lock when the signal comes.
        await Wait.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable,
            "the commit is seen to stall", TimeSpan.FromSeconds(15));

        relay.Terminate();

        // SQLite would wait 30 s for the lock: neither the stuck commit nor the presence writes after it hold the exit.
        Assert.That(await relay.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(0), relay.Output);
        Assert.That(waiting.IsCompletedSuccessfully, Is.False, "nothing was acknowledged");
    }

    [Test]
    public async Task Kill_9_mid_traffic_loses_no_acknowledged_message()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        var acked = new ConcurrentBag<SendAck>();
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db))
        {
            var senders = new List<RelayClient>();
            for (var s = 0; s < 4; s++)
            {
                senders.Add(await ConnectAsync(relay, $"sender{s}"));
            }
            using var stop = new CancellationTokenSource();
            var traffic = senders.Select((client, s) => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        acked.Add(await client.BroadcastAsync(Json.Of($"payload {i}"), $"s{s}-{i}"));
                    }
                    catch (Exception)
                    {
                        return; // the server died under us: this message was never acknowledged
                    }
                }
            })).ToList();

            await Wait.UntilAsync(() => acked.Count >= 300, "300 messages are acknowledged", TimeSpan.FromSeconds(30));
            relay.Kill();
            await relay.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await stop.CancelAsync();
            await Task.WhenAll(traffic);
            foreach (var client in senders)
            {
                await client.DisposeAsync();
            }
        }

        var stored = new HashSet<string>();
        for (var s = 0; s < 4; s++)
        {
            stored.UnionWith(StoredIds(db, $"sender{s}").Select(id => id));
        }
        var lost = acked.Select(a => a.Id).Where(id => !stored.Contains(id)).ToList();
        Assert.That(lost, Is.Empty, $"{lost.Count} of {acked.Count} acknowledged messages are missing after kill -9");

        // The relay starts again on the same file and carries on after the last seq.
        await using var restarted = await RelayProcess.StartOnLoopbackAsync(db);
        await using var after = await ConnectAsync(restarted, "after");
        var next = await after.BroadcastAsync(Json.Of("after the crash"), "after-1");
        Assert.That(next.Seq, Is.GreaterThan(acked.Max(a => a.Seq)));
    }

    [Test]
    public async Task Sigterm_stores_what_raw_agents_confirmed_in_the_drain_though_the_server_stop_takes_the_timeout()
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        long last = 0;
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db, new Dictionary<string, string?>
        {
            ["Relay__Shutdown__TimeoutSeconds"] = "2",
            ["Relay__Storage__PresenceFlushSeconds"] = "3600",
        }))
        {
            // bob answers pings only as the test reads, so what he reads is confirmed only once the signal has come.
            using var bob = await HelloOnPlainSocketAsync(relay.RawDoorUri, "bob");
            var frames = new List<JsonElement>();
            await ReadFramesAsync(bob, frames, until: f => f.Str("message_type") == "WELCOME");
            await using var alice = await V03Async(relay.RawDoorUri, "alice");
            for (var i = 0; i < 20; i++)
            {
                await alice.SendAsync(Message("alice", $"m{i}", $"m{i}"));
                last = (await alice.NextOfAsync("message_type", "ACK")).Long("seq");
            }
            using var halfSent = await HoldTheServerStopAsync(relay);

            relay.Terminate();
            // bob is busy for a moment before he reads on, as an agent at work would be.
            await Task.Delay(300);
            await ReadFramesAsync(bob, frames, until: f => f.Str("message_id") == "m19");
            await UntilClosedAsync(bob);

            Assert.That(await relay.WaitForExitAsync(TimeSpan.FromSeconds(15)), Is.EqualTo(0), relay.Output);
        }

        Assert.That(StoreFile.CursorOf(db, "bob"), Is.GreaterThanOrEqualTo(last), "a restart would send bob again what he read");
    }

    [Test]
    public async Task Kill_9_just_after_an_agent_first_came_and_left_still_owes_it_what_was_broadcast_since()
    {
        var first = await FirstMessageToNewbieAfterKillAsync(async (relay, sender) =>
            await (await V03Async(relay.RawDoorUri, "newbie")).DisposeAsync());

        Assert.That(first, Is.EqualTo("while-away"));
    }

    [Test]
    public async Task Kill_9_just_after_an_agent_first_came_with_a_resume_point_does_not_owe_it_the_broadcasts_from_before_it_came()
    {
        var first = await FirstMessageToNewbieAfterKillAsync(async (relay, sender) =>
        {
            await sender.SendAsync(Message("sender", "before", "sent before newbie came"));
            var before = (await sender.NextOfAsync("message_type", "ACK")).Long("seq");
            // A .NET client that kept its last seq from elsewhere: its first connection here already names a resume point.
            var options = new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = "newbie", ResumeFromSeq = before, ReconnectDelays = [] };
            await using var newbie = new RelayClient(options);
            await newbie.ConnectAsync();
        });

        Assert.That(first, Is.EqualTo("while-away"));
    }

    /// <summary>
    /// newbie comes for the first time and leaves (<paramref name="newbieCameAndLeft"/>), "while-away" is broadcast, and
    /// the relay is killed before any periodic presence write: the first message newbie then gets from the restarted
    /// relay, which only the write at its first connection can have made it owe.
    /// </summary>
    private static async Task<string?> FirstMessageToNewbieAfterKillAsync(Func<RelayProcess, RawSocketClient, Task> newbieCameAndLeft)
    {
        using var dir = new TempDirectory();
        var db = dir.File("relay.db");
        var environment = new Dictionary<string, string?> { ["Relay__Storage__PresenceFlushSeconds"] = "3600" };
        await using (var relay = await RelayProcess.StartOnLoopbackAsync(db, environment))
        {
            await using var sender = await V03Async(relay.RawDoorUri, "sender");
            await newbieCameAndLeft(relay, sender);
            await sender.NextWhereAsync(f => f.Str("content") == "newbie left", "newbie left");
            await sender.SendAsync(Message("sender", "while-away", "sent while newbie was away"));
            await sender.NextOfAsync("message_type", "ACK");

            relay.Kill();
            await relay.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }

        await using var restarted = await RelayProcess.StartOnLoopbackAsync(db, environment);
        await using var back = await V03Async(restarted.RawDoorUri, "newbie");
        return (await back.NextOfAsync("message_type", "MESSAGE")).Str("message_id");
    }

    /// <summary>
    /// Kestrel waits for a request it has begun to read, so a half-sent one holds the server's stop to the timeout and
    /// every service stopped after it is handed an expired token. A whole request answered first shows that Kestrel is
    /// reading the connection, so it has the partial one before the signal arrives.
    /// </summary>
    private static async Task<System.Net.Sockets.TcpClient> HoldTheServerStopAsync(RelayProcess relay)
    {
        var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(relay.BaseUri.Host, relay.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n"u8.ToArray());
        Assert.That(await stream.ReadAsync(new byte[4096]), Is.Positive);
        await stream.WriteAsync("GET /healthz HTTP/1.1\r\nHost: relay\r\n"u8.ToArray());
        return tcp;
    }

    /// <summary>Reads on (answering pings, as a WebSocket does while it reads) until the relay closes the connection.</summary>
    private static async Task UntilClosedAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Wait.Default);
        while ((await socket.ReceiveAsync(buffer, timeout.Token)).MessageType != WebSocketMessageType.Close)
        {
        }
    }

    private static async Task<RelayClient> ConnectAsync(RelayProcess relay, string agent)
    {
        var client = new RelayClient(new RelayClientOptions { ServerUrl = relay.BaseUri, AgentId = agent, ReconnectDelays = [] });
        await client.ConnectAsync();
        return client;
    }

    private static List<string> StoredIds(string databasePath, string sender)
    {
        using var connection = StoreFile.Open(databasePath);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT message_id FROM messages WHERE from_agent = $from";
        cmd.Parameters.AddWithValue("$from", sender);
        using var reader = cmd.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }
}
