using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignalRelay.Server.Core;

namespace SignalRelay.Tests.Raw;

/// <summary>Connecting seed agents of either dialect, and reading the frames they get.</summary>
public static class RawAgents
{
    public static string Hello(string agent, string extra = "") =>
        $$"""{"protocol_version":"0.3","message_type":"HELLO","sender":"{{agent}}","capabilities":{}{{extra}}}""";

    public static string Message(string agent, string id, string content, string extra = "") =>
        $$"""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"{{id}}","sender":"{{agent}}","content":"{{content}}","timestamp":"2026-02-19T04:00:00Z"{{extra}}}""";

    public static string Presence(string agent, string extra = "") =>
        $$"""{"type":"presence","from":"{{agent}}","data":{"name":"{{agent}}"}{{extra}}}""";

    /// <summary>A v0.3 agent past HELLO and WELCOME.</summary>
    public static Task<RawSocketClient> V03Async(TestRelay relay, string agent, string helloExtra = "") =>
        V03Async(relay.WebSocketUri("/"), agent, helloExtra);

    /// <summary>A v0.3 agent past HELLO and WELCOME at the raw door <paramref name="door"/>, of a relay in a process of its own.</summary>
    public static async Task<RawSocketClient> V03Async(Uri door, string agent, string helloExtra = "")
    {
        var client = await RawSocketClient.ConnectAsync(door);
        await client.SendAsync(Hello(agent, helloExtra));
        var welcome = await client.NextAsync("WELCOME");
        Assert.That(welcome.Str("message_type"), Is.EqualTo("WELCOME"), welcome.ToString());
        return client;
    }

    /// <summary>A v0.3 agent on a socket that reads nothing (so it never answers a ping either), once registered.</summary>
    public static async Task<RawSocketClient> ConnectWithoutReadingAsync(TestRelay relay, string agent)
    {
        var client = await RawSocketClient.ConnectAsync(relay, read: false);
        await client.SendAsync(Hello(agent));
        await UntilOnlineAsync(relay, agent);
        return client;
    }

    /// <summary>An agent that came once and left: the relay keeps its cursor for when it comes back.</summary>
    public static async Task KnownAndAwayAsync(TestRelay relay, string agent)
    {
        await using (await V03Async(relay, agent))
        {
        }
        await UntilOnlineAsync(relay, agent, online: false);
    }

    /// <summary>The socket buffer size that keeps a slow reader's relay close behind it, given at both ends.</summary>
    public const int SlowReaderBufferBytes = 64 * 1024;

    /// <summary>
    /// A v0.3 HELLO on a plain WebSocket, which reads only as the test does and answers pings only as it reads. Its
    /// socket's receive buffer is fixed at <see cref="SlowReaderBufferBytes"/>, which the kernel then does not grow (on
    /// loopback it may grow to 32 MB here). With the relay's send buffer fixed too (<see cref="TestRelay.StartAsync"/>),
    /// what the relay can write ahead of the test's reads stays a few hundred kilobytes.
    /// </summary>
    public static Task<ClientWebSocket> HelloOnPlainSocketAsync(TestRelay relay, string agent) =>
        HelloOnPlainSocketAsync(relay.WebSocketUri(), agent);

    public static async Task<ClientWebSocket> HelloOnPlainSocketAsync(Uri door, string agent)
    {
        var socket = new ClientWebSocket();
        using var http = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = SlowReaderBufferBytes };
                try
                {
                    await tcp.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(tcp, ownsSocket: true);
                }
                catch
                {
                    tcp.Dispose();
                    throw;
                }
            },
        });
        await socket.ConnectAsync(door, http, CancellationToken.None);
        await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(Hello(agent)), WebSocketMessageType.Text, true, CancellationToken.None);
        return socket;
    }

    /// <summary>A mesh agent whose presence the relay has registered.</summary>
    public static async Task<RawSocketClient> MeshAsync(TestRelay relay, string agent, string presenceExtra = "")
    {
        var client = await RawSocketClient.ConnectAsync(relay);
        await client.SendAsync(Presence(agent, presenceExtra));
        await UntilOnlineAsync(relay, agent);
        return client;
    }

    public static Task UntilOnlineAsync(TestRelay relay, string agent, bool online = true)
    {
        var registry = relay.Services.GetRequiredService<SessionRegistry>();
        return Wait.UntilAsync(() => registry.IsOnline(agent) == online, $"{agent} is {(online ? "online" : "offline")}");
    }

    /// <summary>The next relayed v0.3 MESSAGE from an agent (not a relay_server presence notice).</summary>
    public static Task<JsonElement> NextV03MessageAsync(this RawSocketClient client) =>
        client.NextWhereAsync(f => f.Str("message_type") == "MESSAGE" && f.Str("sender") != "relay_server", "a relayed MESSAGE");

    /// <summary>The next mesh frame that is not presence.</summary>
    public static Task<JsonElement> NextMeshTrafficAsync(this RawSocketClient client) =>
        client.NextWhereAsync(f => f.Str("type") != "presence", "a relayed mesh frame");

    public static Task<JsonElement> NextOfAsync(this RawSocketClient client, string field, string value) =>
        client.NextWhereAsync(f => f.Str(field) == value, $"a frame with {field} = {value}");

    public static string? Str(this JsonElement frame, string name) =>
        frame.ValueKind == JsonValueKind.Object && frame.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long Long(this JsonElement frame, string name) => frame.GetProperty(name).GetInt64();

    /// <summary>The error code of a v0.3 ERROR or a mesh error frame.</summary>
    public static string? ErrorCode(this JsonElement frame) =>
        frame.Str("error_code") ?? (frame.Str("type") == "error" && frame.Str("from") == "relay" ? frame.GetProperty("data").Str("code") : null);

    /// <summary>Reads whole frames from a plain socket into <paramref name="frames"/> until one matches <paramref name="until"/>.</summary>
    public static async Task ReadFramesAsync(ClientWebSocket socket, List<JsonElement> frames, Func<JsonElement, bool> until)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        using var timeout = new CancellationTokenSource(Wait.Default);
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }
            using var document = JsonDocument.Parse(message.ToArray());
            message.SetLength(0);
            frames.Add(document.RootElement.Clone());
            if (until(frames[^1]))
            {
                return;
            }
        }
    }
}
