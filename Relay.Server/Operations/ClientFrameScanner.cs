using System.Buffers.Binary;

namespace SignalRelay.Server.Operations;

/// <summary>
/// Follows the frames a client sends (RFC 6455 §5.2; a client masks every frame) through whatever pieces the
/// connection delivers them in: it counts the frames that start, whatever they are (data, a fragment, a ping), and
/// reports the payload of each pong that carries 8 bytes, the size of the raw door's delivery pings. It must see the
/// connection from its first byte: started mid-frame it would take payload for headers. It only watches: the WebSocket
/// reads the same bytes and enforces the protocol, so malformed input is that WebSocket's to refuse and never throws here.
/// </summary>
public sealed class ClientFrameScanner
{
    private const int PongOpcode = 0xA;
    private const int PingPayloadLength = sizeof(ulong);
    private const int LongestHeader = 14;

    private readonly byte[] _header = new byte[LongestHeader];
    private readonly byte[] _pong = new byte[PingPayloadLength];
    private int _headerRead;
    private int _headerLength = 2;
    private ulong _payloadLeft;
    private bool _inPong;
    private int _pongRead;
    private int _maskAt;

    /// <summary>Gets each pong's payload; pongs before it is set are passed over.</summary>
    public Action<ulong>? OnPong { get; set; }

    /// <summary>Follows <paramref name="data"/>, the next bytes the client sent; returns how many frames start in it.</summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var started = 0;
        while (!data.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                data = ReadPayload(data);
                continue;
            }
            if (_headerRead == 0)
            {
                started++;
            }
            var take = Math.Min(_headerLength - _headerRead, data.Length);
            data[..take].CopyTo(_header.AsSpan(_headerRead));
            _headerRead += take;
            data = data[take..];
            if (_headerRead == 2)
            {
                _headerLength = HeaderLength(_header[1]);
            }
            if (_headerRead == _headerLength)
            {
                StartPayload();
            }
        }
        return started;
    }

    // Base header, then 0, 2 or 8 bytes of extended length, then the 4-byte mask key when the mask bit is set.
    private static int HeaderLength(byte second) =>
        2 + (second & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 } + ((second & 0x80) != 0 ? 4 : 0);

    private void StartPayload()
    {
        var length = (_header[1] & 0x7F) switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2)),
            127 => BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2)),
            var small => (ulong)small,
        };
        _inPong = (_header[0] & 0x0F) == PongOpcode && length == PingPayloadLength && IsMasked;
        _maskAt = _headerLength - 4;
        _pongRead = 0;
        _payloadLeft = length;
        _headerRead = 0;
        _headerLength = 2;
    }

    private bool IsMasked => (_header[1] & 0x80) != 0;

    private ReadOnlySpan<byte> ReadPayload(ReadOnlySpan<byte> data)
    {
        var take = (int)Math.Min(_payloadLeft, (ulong)data.Length);
        if (_inPong)
        {
            data[..take].CopyTo(_pong.AsSpan(_pongRead));
            _pongRead += take;
        }
        _payloadLeft -= (ulong)take;
        if (_payloadLeft == 0 && _inPong)
        {
            ReportPong();
        }
        return data[take..];
    }

    // The mask key is the header's last four bytes (a client may give a short length in a longer form).
    private void ReportPong()
    {
        for (var i = 0; i < PingPayloadLength; i++)
        {
            _pong[i] ^= _header[_maskAt + i % 4];
        }
        OnPong?.Invoke(BinaryPrimitives.ReadUInt64BigEndian(_pong));
    }
}
