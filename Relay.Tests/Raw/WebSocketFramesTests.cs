using System.Net.WebSockets;
using SignalRelay.Server.RawSocket;

namespace SignalRelay.Tests.Raw;

public sealed class WebSocketFramesTests
{
    [TestCase(0)]
    [TestCase(125)]
    [TestCase(126)]
    [TestCase(65_535)]
    [TestCase(65_536)]
    [TestCase(200_000)]
    public async Task A_framed_payload_reads_back_whole_with_the_runtimes_own_websocket_client(int length)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)('a' + i % 26)).ToArray();
        using var client = WebSocket.CreateFromStream(new MemoryStream(WebSocketFrames.Text(payload)), new WebSocketCreationOptions { IsServer = false });

        var received = new byte[length + 16];
        var count = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await client.ReceiveAsync(received.AsMemory(count), CancellationToken.None);
            count += result.Count;
        }
        while (!result.EndOfMessage);

        Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Text));
        Assert.That(received.AsSpan(0, count).ToArray(), Is.EqualTo(payload));
    }
}
