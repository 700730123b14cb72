using System.Net.WebSockets;

namespace SignalRelay.Tests.Core;

public sealed class SessionTests
{
    [Test]
    public async Task A_second_connection_with_the_same_agent_id_takes_over_and_the_first_is_told_why()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var first = relay.CreateClient("worker");
        var replaced = Wait.ForEventAsync<RelayError>(h => first.ErrorReceived += h, e => e.Code == ErrorCodes.SessionReplaced, "SESSION_REPLACED");
        var closed = Wait.ForEventAsync<Exception?>(h => first.Closed += h, _ => true, "the first connection to close");
        await first.ConnectAsync();

        var second = await relay.ConnectAsync("worker");
        await replaced;
        await closed;

        var ack = await alice.BroadcastAsync(Json.Of("to the new one"), "t1");
        Assert.That((await Wait.NextAsync(second.Messages)).Seq, Is.EqualTo(ack.Seq));
        Assert.That(first.Messages.TryRead(out _), Is.False);
    }

    [Test]
    public async Task A_replaced_hub_connection_may_not_send_in_the_moment_before_it_is_closed()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var first = await HubWire.ConnectAsync(relay, "worker");
        await Wait.UntilAsync(() => relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>().IsOnline("worker"), "worker is online");

        await relay.ConnectAsync("worker");
        var refusal = await first.InvokeAsync("Send", """{"id":"from-the-old-one","content":"late"}""");

        Assert.That(refusal, Does.Contain(ErrorCodes.SessionReplaced));
        Assert.That(relay.QueryNumber("SELECT COUNT(*) FROM messages WHERE message_id = 'from-the-old-one'"), Is.Zero);
    }

    [Test]
    public async Task A_receiver_that_never_reads_is_dropped_without_delaying_anyone_else()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:SendQueueCapacity"] = "16",
        });
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        var stallerGone = Wait.ForEventAsync<PresenceEvent>(h => bob.PresenceChanged += h,
            p => p.Agent == "staller" && p.Status == PresenceStatus.Offline, "the staller to be dropped", TimeSpan.FromSeconds(30));
        using var staller = await ConnectHubWithoutReadingAsync(relay, "staller");

        const int count = 400;
        var payload = Json.Of(new string('x', 32 * 1024));
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await alice.BroadcastAsync(payload, $"big{i}");
            }
        });
        var received = await Wait.NextAsync(bob.Messages, count, TimeSpan.FromSeconds(30));
        await sending;
        await stallerGone;

        Assert.That(received.Select(e => e.Id), Is.EqualTo(Enumerable.Range(0, count).Select(i => $"big{i}")));
    }

    [Test]
    public async Task Connecting_to_the_hub_without_an_agent_id_is_refused_with_a_clear_message()
    {
        await using var relay = await TestRelay.StartAsync();

        var text = await HubWire.RefusalAsync(relay, HubProtocol.Path);
        Assert.That(text, Does.StartWith("{\"error\":\"INVALID_AGENT_ID: ").And.Contain("agent"), "a SignalR handshake error naming the missing agent parameter");
    }

    [TestCase("relay")]
    [TestCase("relay_server")]
    public async Task The_hub_refuses_the_relays_own_names(string name)
    {
        await using var relay = await TestRelay.StartAsync();

        var text = await HubWire.RefusalAsync(relay, $"{HubProtocol.Path}?agent={name}");
        Assert.That(text, Does.StartWith("{\"error\":\"INVALID_AGENT_ID: ").And.Contain("own name"));
        Assert.That(relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>().IsOnline(name), Is.False);
    }

    [Test]
    public async Task The_hub_refuses_an_agent_named_twice()
    {
        await using var relay = await TestRelay.StartAsync();

        var text = await HubWire.RefusalAsync(relay, $"{HubProtocol.Path}?agent=a&agent=b");
        Assert.That(text, Does.StartWith("{\"error\":\"INVALID_AGENT_ID: ").And.Contain("Name the agent once"));
        Assert.That(relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>().IsOnline("a,b"), Is.False);
    }

    /// <summary>
    /// The raw doors refuse a <c>resume_from_seq</c> that is no seq (INVALID_MESSAGE); the hub took a <c>resume</c> it could
    /// not read as none given and replayed from the stored cursor, so a client that asked for more was silently sent less.
    /// </summary>
    [TestCase("-1")]
    [TestCase("abc")]
    [TestCase("1.5")]
    [TestCase("1e3")]
    [TestCase("1&resume=2")]
    public async Task The_hub_refuses_a_resume_point_that_is_no_seq_as_the_raw_doors_do(string resume)
    {
        await using var relay = await TestRelay.StartAsync();

        var text = await HubWire.RefusalAsync(relay, $"{HubProtocol.Path}?agent=a&resume={resume}");
        Assert.That(text, Does.StartWith("{\"error\":\"INVALID_MESSAGE: ").And.Contain("resume"));
        Assert.That(relay.Services.GetRequiredService<SignalRelay.Server.Core.SessionRegistry>().IsOnline("a"), Is.False);
    }

    /// <summary>A SignalR client that completes the handshake and then never reads again.</summary>
    private static async Task<ClientWebSocket> ConnectHubWithoutReadingAsync(TestRelay relay, string agent)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetBuffer(1024, 1024);
        await socket.ConnectAsync(relay.WebSocketUri($"{HubProtocol.Path}?agent={agent}"), CancellationToken.None);
        await HubWire.SendHandshakeAsync(socket);
        var buffer = new byte[1024];
        await socket.ReceiveAsync(buffer, CancellationToken.None);
        return socket;
    }
}
