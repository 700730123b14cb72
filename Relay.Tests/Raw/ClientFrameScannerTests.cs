using System.Net.WebSockets;
using SignalRelay.Server.Operations;
using SignalRelay.Server.RawSocket;

namespace SignalRelay.Tests.Raw;

/// <summary>The scanner counts a client's frames and finds its pong among them, however the connection cuts the bytes.</summary>
public sealed class ClientFrameScannerTests
{
    [Test]
    public async Task The_frames_of_the_runtimes_websocket_client_are_counted_and_its_pong_found_in_pieces_of_any_size()
    {
        const ulong payload = 0x0102_0304_0506_0708;
        var written = await ClientBytesAsync(payload);

        foreach (var piece in new[] { 1, 2, 3, 5, 7, 13, 64, 4096, written.Length })
        {
            var pongs = new List<ulong>();
            var scanner = new ClientFrameScanner { OnPong = pongs.Add };
            var frames = 0;
            for (var at = 0; at < written.Length; at += piece)
            {
                frames += scanner.Scan(written.AsSpan(at, Math.Min(piece, written.Length - at)));
            }
            Assert.That(pongs, Is.EqualTo(new[] { payload }), $"in pieces of {piece} bytes");
            Assert.That(frames, Is.EqualTo(5), $"in pieces of {piece} bytes: three text frames, the pong and an empty one");
        }
    }

    /// <summary>
    /// What the runtime's client WebSocket writes when it sends text frames of every header size around its
    /// answer to one of the relay's pings.
    /// </summary>
    private static async Task<byte[]> ClientBytesAsync(ulong pingPayload)
    {
        var incoming = new MemoryStream([.. WebSocketFrames.Ping(pingPayload), .. WebSocketFrames.Text("after the ping"u8)]);
        var outgoing = new MemoryStream();
        using var client = WebSocket.CreateFromStream(new DuplexStream(incoming, outgoing), new WebSocketCreationOptions { IsServer = false });

        await client.SendAsync(new byte[200], WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        await client.SendAsync(new byte[70_000], WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        // Reading past the ping makes the client answer it.
        var received = await client.ReceiveAsync(new byte[64], CancellationToken.None);
        Assert.That(received.MessageType, Is.EqualTo(WebSocketMessageType.Text));
        await client.SendAsync(new byte[5], WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        await client.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        return outgoing.ToArray();
    }

    private sealed class DuplexStream(Stream readFrom, Stream writeTo) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => readFrom.Read(buffer, offset, count);
        public override void Write(byte[] buffer, int offset, int count) => writeTo.Write(buffer, offset, count);
        public override void Flush() => writeTo.Flush();
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
