using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Operations;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// Every connection takes an open file, and a relay out of open files cannot commit or even load code: the runtime
/// aborts. So connections may take only part of the process's open-file limit (<c>Relay:Limits:MaxConnections</c>).
/// </summary>
public sealed class ConnectionCapacityTests
{
    [Test]
    public void The_cap_is_the_setting_else_what_open_files_and_memory_allow()
    {
        const long gibibyte = 1L << 30;
        Assert.Multiple(() =>
        {
            Assert.That(ConnectionCapacity.Of(500, openFileLimit: 20_000, memoryBytes: 24 * gibibyte), Is.EqualTo(500));
            Assert.That(ConnectionCapacity.Of(0, openFileLimit: 20_000, memoryBytes: 24 * gibibyte),
                Is.EqualTo(20_000 - ConnectionCapacity.FileReserve), "open files bound a large machine");
            Assert.That(ConnectionCapacity.Of(0, openFileLimit: 1_200, memoryBytes: 24 * gibibyte), Is.EqualTo(600),
                "a small open-file limit keeps half");
            Assert.That(ConnectionCapacity.Of(0, openFileLimit: 1_048_576, memoryBytes: gibibyte / 2), Is.EqualTo(4_096),
                "memory bounds a small container");
            Assert.That(ConnectionCapacity.Of(0, openFileLimit: null, memoryBytes: gibibyte / 2), Is.EqualTo(4_096));
            Assert.That(ConnectionCapacity.Of(0, openFileLimit: ulong.MaxValue, memoryBytes: gibibyte / 2), Is.EqualTo(4_096));
        });
    }

    [Test]
    public async Task What_a_connection_has_sent_unread_is_held_only_to_what_the_cap_allows_each_connection()
    {
        await using var relay = await TestRelay.StartAsync();

        var transport = relay.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;

        // The socket transport's default, a MiB, let each paced client hold sixteen times that in the relay.
        Assert.That(transport.MaxReadBufferSize, Is.EqualTo(ConnectionCapacity.BytesPerConnection));
    }

    [Test]
    public async Task A_client_holding_more_connections_than_the_relay_has_open_files_cannot_take_it_down()
    {
        using var data = new TempDirectory();
        // About 300 files are open before the first connection; 1,200 leaves room for 600 connections.
        await using var relay = await RelayProcess.StartOnLoopbackAsync(data.File("relay.db"), openFiles: 1_200);
        await Wait.UntilAsync(() => relay.Output.Contains("up to 600 connections"), "the banner to name the cap");
        var door = relay.RawDoorUri;
        await using var sender = await V03Async(door, "sender");
        await using var receiver = await V03Async(door, "receiver");

        var idle = new List<Socket>();
        try
        {
            // Connected and silent: each holds a file in the relay until Kestrel's keep-alive timeout, two minutes.
            for (var i = 0; i < 1_300; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                idle.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, relay.BaseUri.Port);
            }
            var lastRead = await idle[^1].ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Wait.Default);
            Assert.That(lastRead, Is.Zero, "the relay closes a connection past its cap as it arrives");

            Assert.That(relay.HasExited, Is.False, relay.Output);
            await sender.SendAsync(Message("sender", "m1", "still here"));
            Assert.That((await sender.NextOfAsync("message_type", "ACK")).Str("message_id"), Is.EqualTo("m1"));
            Assert.That((await receiver.NextOfAsync("message_id", "m1")).Str("content"), Is.EqualTo("still here"));
            await Wait.UntilAsync(() => relay.Output.Contains("Refused "), "the relay to report the connections it refused",
                TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var socket in idle)
            {
                socket.Dispose();
            }
        }

        // The relay frees each place as it reads the idle socket's end, so the first attempts may still be refused.
        await using var latecomer = await FirstAdmittedAsync(door, "latecomer");
        Assert.That(relay.Output, Does.Not.Contain("rejected because the maximum number"), "one summary, not a line per connection");
    }

    private static async Task<RawSocketClient> FirstAdmittedAsync(Uri door, string agent)
    {
        var deadline = DateTime.UtcNow + Wait.Default;
        while (true)
        {
            try
            {
                return await V03Async(door, agent);
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }
}
