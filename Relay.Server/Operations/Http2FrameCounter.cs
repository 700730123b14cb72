namespace SignalRelay.Server.Operations;

/// <summary>
/// Follows what a client sends on a connection, from its first byte, and counts the HTTP/2 frames that start in it
/// (RFC 9113 §4.1: a 9-byte header whose first three bytes are the payload's length), whatever they are: PING,
/// SETTINGS, WINDOW_UPDATE, empty DATA. A connection that does not open with HTTP/2's preface is not HTTP/2 (HTTP/1.1,
/// or TLS not yet decrypted) and has no frames. It only watches: the server reads the same bytes and enforces the
/// protocol, so malformed input is the server's to refuse and never throws here.
/// </summary>
public sealed class Http2FrameCounter
{
    private const int HeaderLength = 9;
    private const int LengthBytes = 3;

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private int _prefaceRead;
    private int _headerRead;
    private int _payloadLength;
    private int _payloadLeft;

    /// <summary>True once the first bytes are known not to be HTTP/2's preface: there is nothing more to count.</summary>
    public bool IsNotHttp2 { get; private set; }

    /// <summary>Follows <paramref name="data"/>, the next bytes the client sent; returns how many frames start in it.</summary>
    public int Count(ReadOnlySpan<byte> data)
    {
        if (IsNotHttp2)
        {
            return 0;
        }
        data = ReadPreface(data);
        var started = 0;
        while (!data.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                var skipped = Math.Min(_payloadLeft, data.Length);
                _payloadLeft -= skipped;
                data = data[skipped..];
                continue;
            }
            if (_headerRead == 0)
            {
                started++;
            }
            if (_headerRead < LengthBytes)
            {
                _payloadLength = (_payloadLength << 8) | data[0];
            }
            data = data[1..];
            if (++_headerRead == HeaderLength)
            {
                _payloadLeft = _payloadLength;
                _payloadLength = 0;
                _headerRead = 0;
            }
        }
        return started;
    }

    private ReadOnlySpan<byte> ReadPreface(ReadOnlySpan<byte> data)
    {
        while (_prefaceRead < Preface.Length && !data.IsEmpty)
        {
            if (data[0] != Preface[_prefaceRead])
            {
                IsNotHttp2 = true;
                return [];
            }
            _prefaceRead++;
            data = data[1..];
        }
        return data;
    }
}
