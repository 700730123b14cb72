using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using SignalRelay.Server.RawSocket;

namespace SignalRelay.Tests.Raw;

/// <summary>The raw door's reader on a real WebSocket pair over loopback TCP.</summary>
public sealed class FrameReaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Two connected WebSockets: the relay's side (read by a <see cref="FrameReader"/>) and a client.</summary>
    private sealed class SocketPair : IDisposable
    {
        private readonly TcpClient _serverTcp;
        private readonly TcpClient _clientTcp;

        private SocketPair(TcpClient server, TcpClient client)
        {
            _serverTcp = server;
            _clientTcp = client;
            Server = WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true });
            Client = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });
        }

        public WebSocket Server { get; }
        public WebSocket Client { get; }

        public static async Task<SocketPair> ConnectAsync()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                var client = new TcpClient();
                var accepted = listener.AcceptTcpClientAsync();
                await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
                return new SocketPair(await accepted, client);
            }
            finally
            {
                listener.Stop();
            }
        }

        public Task SendAsync(string text, bool endOfMessage = true) =>
            Client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage, CancellationToken.None);

        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
            _serverTcp.Dispose();
            _clientTcp.Dispose();
        }
    }

    private static string Text(FrameReader reader) => Encoding.UTF8.GetString(reader.Payload.Span);

    /// <summary>The read's outcome, failing the test if it takes longer than <see cref="Timeout"/>.</summary>
    private static Task<FrameStatus> Within(ValueTask<FrameStatus> read) => read.AsTask().WaitAsync(Timeout);

    [Test]
    public async Task A_reader_waiting_for_its_next_message_holds_no_buffer_and_then_reads_the_message_whole()
    {
        using var pair = await SocketPair.ConnectAsync();
        using var reader = new FrameReader(pair.Server, maxBytes: 64 * 1024);

        await pair.SendAsync("first");
        Assert.That(await Within(reader.ReadAsync(CancellationToken.None)), Is.EqualTo(FrameStatus.Text));
        Assert.That(Text(reader), Is.EqualTo("first"));

        var next = reader.ReadAsync(CancellationToken.None);
        Assert.That(next.IsCompleted, Is.False, "nothing has been sent yet");
        Assert.That(reader.HoldsBuffer, Is.False, "an idle connection holds no receive buffer");

        var large = new string('x', 10_000);
        await pair.SendAsync(large);
        Assert.That(await Within(next), Is.EqualTo(FrameStatus.Text));
        Assert.That(Text(reader), Is.EqualTo(large));
    }

    [Test]
    public async Task An_empty_message_is_read_as_one_and_the_message_after_it_follows()
    {
        using var pair = await SocketPair.ConnectAsync();
        using var reader = new FrameReader(pair.Server, maxBytes: 1024);

        await pair.SendAsync("");
        await pair.SendAsync("after");

        Assert.That(await Within(reader.ReadAsync(CancellationToken.None)), Is.EqualTo(FrameStatus.Text));
        Assert.That(reader.Payload.Length, Is.Zero);
        Assert.That(await Within(reader.ReadAsync(CancellationToken.None)), Is.EqualTo(FrameStatus.Text));
        Assert.That(Text(reader), Is.EqualTo("after"));
    }

    [Test]
    public async Task Fragments_that_arrive_while_the_reader_waits_are_read_as_one_message()
    {
        using var pair = await SocketPair.ConnectAsync();
        using var reader = new FrameReader(pair.Server, maxBytes: 1024);

        var read = reader.ReadAsync(CancellationToken.None);
        await pair.SendAsync("frag", endOfMessage: false);
        await pair.SendAsync("ments");

        Assert.That(await Within(read), Is.EqualTo(FrameStatus.Text));
        Assert.That(Text(reader), Is.EqualTo("fragments"));
    }

    [Test]
    public async Task A_close_frame_while_waiting_ends_the_reads()
    {
        using var pair = await SocketPair.ConnectAsync();
        using var reader = new FrameReader(pair.Server, maxBytes: 1024);

        var read = reader.ReadAsync(CancellationToken.None);
        await pair.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        Assert.That(await Within(read), Is.EqualTo(FrameStatus.Closed));
    }
}
