using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// A WebSocket spoken byte by byte over a plain TCP connection, for frames no WebSocket client lets its user send: a
/// ping of the client's own, or a message cut into as many fragments as the test likes. Client frames are masked, with
/// a zero key, so their payload goes as it is.
/// </summary>
public sealed class UpgradedTcp : IDisposable
{
    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private UpgradedTcp(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Opens a WebSocket at <paramref name="path"/>, with its query; fails unless the relay switches protocols.</summary>
    public static async Task<UpgradedTcp> ConnectAsync(TestRelay relay, string path)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(relay.BaseUri.Host, relay.BaseUri.Port);
        var client = new UpgradedTcp(tcp);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await client._stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: {relay.BaseUri.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"));
        var head = new StringBuilder();
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            head.Append((char)(await client.ReadExactlyAsync(1))[0]);
        }
        Assert.That(head.ToString(), Does.StartWith("HTTP/1.1 101"));
        return client;
    }

    /// <summary>A client frame with a short payload (under 126 bytes).</summary>
    public static byte[] Frame(byte opcode, bool final, ReadOnlySpan<byte> payload) =>
        [(byte)((final ? 0x80 : 0) | opcode), (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];

    /// <summary><paramref name="message"/> as a text message cut into <paramref name="fragments"/> frames.</summary>
    public static IEnumerable<byte[]> Fragments(string message, int fragments)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var size = (int)Math.Ceiling(bytes.Length / (double)fragments);
        for (var i = 0; i < fragments; i++)
        {
            var piece = bytes.AsSpan(Math.Min(i * size, bytes.Length), Math.Clamp(bytes.Length - i * size, 0, size));
            yield return Frame(i == 0 ? Text : Continuation, final: i == fragments - 1, piece);
        }
    }

    /// <summary>Sends <paramref name="frames"/> in one write.</summary>
    public async Task SendAsync(IEnumerable<byte[]> frames) => await _stream.WriteAsync(frames.SelectMany(f => f).ToArray());

    /// <summary>The next frame the server sends (unmasked, as servers send): its opcode and payload.</summary>
    public async Task<(byte Opcode, byte[] Payload)> NextFrameAsync()
    {
        var head = await ReadExactlyAsync(2);
        long length = head[1] & 0x7f;
        if (length == 126)
        {
            var extended = await ReadExactlyAsync(2);
            length = (extended[0] << 8) | extended[1];
        }
        else if (length == 127)
        {
            length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8));
        }
        return ((byte)(head[0] & 0x0f), await ReadExactlyAsync((int)length));
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        using var cts = new CancellationTokenSource(Wait.Default);
        var bytes = new byte[count];
        await _stream.ReadExactlyAsync(bytes, cts.Token);
        return bytes;
    }

    public void Dispose() => _tcp.Dispose();
}
