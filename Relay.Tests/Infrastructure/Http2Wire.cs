using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// HTTP/2 spoken frame by frame over TCP, in clear text (prior knowledge) or over TLS (ALPN <c>h2</c>), for frames no
/// HTTP client lets its user send: pings, settings and window updates at any rate.
/// </summary>
public sealed class Http2Wire : IDisposable
{
    public const byte Settings = 0x4;
    public const byte Ping = 0x6;
    public const byte WindowUpdate = 0x8;
    public const byte Ack = 0x1;

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly TcpClient _tcp;
    private readonly Stream _stream;

    private Http2Wire(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    /// <summary>Connects to the relay's only address and sends the preface and an empty SETTINGS frame.</summary>
    public static async Task<Http2Wire> ConnectAsync(TestRelay relay)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(relay.BaseUri.Host, relay.BaseUri.Port);
        Stream stream = tcp.GetStream();
        if (relay.BaseUri.Scheme == Uri.UriSchemeHttps)
        {
            var tls = new SslStream(stream);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            Assert.That(tls.NegotiatedApplicationProtocol, Is.EqualTo(SslApplicationProtocol.Http2));
            stream = tls;
        }
        var wire = new Http2Wire(tcp, stream);
        await stream.WriteAsync((byte[])[.. Preface, .. Frame(Settings, 0, [])]);
        return wire;
    }

    /// <summary>A frame on the connection's stream 0.</summary>
    public static byte[] Frame(byte type, byte flags, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    public static byte[] PingFrame(ulong payload)
    {
        var bytes = new byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, payload);
        return Frame(Ping, 0, bytes);
    }

    /// <summary>Sends <paramref name="frames"/> in one write.</summary>
    public async Task SendAsync(IEnumerable<byte[]> frames) => await _stream.WriteAsync(frames.SelectMany(f => f).ToArray());

    /// <summary>The next frame the server sends: its type, flags and payload.</summary>
    public async Task<(byte Type, byte Flags, byte[] Payload)> NextFrameAsync()
    {
        var header = new byte[9];
        await _stream.ReadExactlyAsync(header);
        var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
        await _stream.ReadExactlyAsync(payload);
        return (header[3], header[4], payload);
    }

    /// <summary>The next frame of <paramref name="type"/>, passing over others.</summary>
    public async Task<byte[]> NextOfTypeAsync(byte type)
    {
        while (true)
        {
            var (next, _, payload) = await NextFrameAsync();
            if (next == type)
            {
                return payload;
            }
        }
    }

    /// <summary>The payloads of the next <paramref name="count"/> PING acknowledgements, passing over other frames.</summary>
    public async Task<List<ulong>> PingAcksAsync(int count)
    {
        var acks = new List<ulong>();
        while (acks.Count < count)
        {
            var (type, flags, payload) = await NextFrameAsync();
            if (type == Ping && (flags & Ack) != 0)
            {
                acks.Add(BinaryPrimitives.ReadUInt64BigEndian(payload));
            }
        }
        return acks;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
