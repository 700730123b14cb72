using System.Buffers.Binary;

namespace SignalRelay.Server.RawSocket;

/// <summary>
/// Server-to-client WebSocket frames (RFC 6455 §5.2: unmasked, unfragmented, no extensions). A message
/// relayed to many receivers is framed once here and its bytes are written to every receiver's connection,
/// instead of each connection's WebSocket framing (and copying) the same payload again.
/// </summary>
public static class WebSocketFrames
{
    private const byte FinalTextFrame = 0x81;
    private const byte PingFrame = 0x89;

    /// <summary>A ping whose 8-byte payload the client's pong will carry back.</summary>
    public static byte[] Ping(ulong payload)
    {
        var frame = new byte[2 + sizeof(ulong)];
        frame[0] = PingFrame;
        frame[1] = sizeof(ulong);
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), payload);
        return frame;
    }

    public static byte[] Text(ReadOnlySpan<byte> payload)
    {
        var header = payload.Length switch
        {
            < 126 => 2,
            <= ushort.MaxValue => 4,
            _ => 10,
        };
        var frame = new byte[header + payload.Length];
        frame[0] = FinalTextFrame;
        switch (header)
        {
            case 2:
                frame[1] = (byte)payload.Length;
                break;
            case 4:
                frame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
                break;
            default:
                frame[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
                break;
        }
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }
}
