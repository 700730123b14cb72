using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SignalRelay.Bench.Targets;

/// <summary>
/// The transport limit: bare Kestrel WebSockets relaying each frame's bytes to every other socket (or to the one
/// named at connect time), with a one-byte ACK to the sender. No JSON, no store, no validation: what is left is
/// the cost of the sockets themselves. Runs as a child process of the bench (<c>--serve-transport</c>).
/// </summary>
public static class TransportReference
{
    public const string Path = "/transport";
    public static readonly ReadOnlyMemory<byte> Ack = "A"u8.ToArray();
    public static readonly ReadOnlyMemory<byte> Ping = "P"u8.ToArray();

    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        var app = builder.Build();
        app.UseWebSockets();
        var sockets = new ConcurrentDictionary<int, Peer>();
        app.Map(Path, async (HttpContext http) =>
        {
            if (!http.WebSockets.IsWebSocketRequest
                || !int.TryParse(http.Request.Query["agent"], out var agent))
            {
                return Results.BadRequest();
            }
            int? to = int.TryParse(http.Request.Query["to"], out var t) ? t : null;
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            var peer = new Peer(socket);
            sockets[agent] = peer;
            var pump = peer.PumpAsync();
            await RelayAsync(socket, agent, to, peer, sockets);
            // Only this socket: a later pass's agent with the same number may have taken the slot already.
            sockets.TryRemove(KeyValuePair.Create(agent, peer));
            peer.Outbox.Writer.TryComplete();
            await pump;
            return Results.Empty;
        });
        await app.RunAsync();
    }

    private static async Task RelayAsync(WebSocket socket, int agent, int? to, Peer self, ConcurrentDictionary<int, Peer> sockets)
    {
        var buffer = new byte[128 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (!buffer.AsSpan(0, length).SequenceEqual(Ping.Span))
                {
                    var frame = buffer.AsSpan(0, length).ToArray();
                    if (to is { } target)
                    {
                        if (sockets.TryGetValue(target, out var peer)) peer.Outbox.Writer.TryWrite(frame);
                    }
                    else
                    {
                        foreach (var (id, peer) in sockets)
                        {
                            if (id != agent) peer.Outbox.Writer.TryWrite(frame);
                        }
                    }
                }
                self.Outbox.Writer.TryWrite(Ack);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
    }

    private sealed class Peer(WebSocket socket)
    {
        public Channel<ReadOnlyMemory<byte>> Outbox { get; } =
            Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true });

        public async Task PumpAsync()
        {
            try
            {
                await foreach (var frame in Outbox.Reader.ReadAllAsync())
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
    }
}
