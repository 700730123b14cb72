using System.Net.WebSockets;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;
using SignalRelay.Server.RawSocket.Dialects;

namespace SignalRelay.Server.RawSocket;

/// <summary>A frame the door built for one connection (a reply or an error), queued in request order.</summary>
public sealed record RawFrameOut(byte[] Frame) : Outbound;

/// <summary>A raw WebSocket as a relay session: items are encoded in the connection's dialect.</summary>
public sealed class RawSession(
    string agentId,
    IRawDialect dialect,
    WebSocket socket,
    int queueCapacity,
    TimeSpan closeTimeout) : RelaySession(agentId, dialect.Protocol, queueCapacity)
{
    public IRawDialect Dialect => dialect;

    protected override ValueTask WriteAsync(Outbound item, CancellationToken ct) =>
        socket.SendAsync(Encode(item).AsMemory(), WebSocketMessageType.Text, endOfMessage: true, ct);

    private byte[] Encode(Outbound item) => item switch
    {
        RawFrameOut raw => raw.Frame,
        EnvelopeOut e => e.EncodedFor(dialect.EncodingSlot, dialect.EncodeEnvelope),
        PresenceOut p => dialect.EncodePresence(p.Presence),
        NoticeOut n => dialect.EncodeError(n.Error),
        _ => throw new InvalidOperationException($"A raw socket cannot send {item.GetType().Name}."),
    };

    protected override Task CloseTransportAsync(RelayError reason) =>
        RawClose.SendAsync(socket, CloseCodes.IsNormal(reason) ? null : dialect.EncodeError(reason), reason, closeTimeout);
}
