using SignalRelay.Server.RawSocket;

namespace SignalRelay.Tests.Raw;

public sealed class CoalescingStreamTests
{
    /// <summary>What reaches the connection: one entry per write, as Kestrel would send one per write.</summary>
    private sealed class WriteLog : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return base.WriteAsync(buffer, cancellationToken);
        }
    }

    private static byte[] Bytes(int length, byte fill) => Enumerable.Repeat(fill, length).ToArray();

    [Test]
    public async Task Held_writes_go_out_as_one_write_in_order_when_released()
    {
        var log = new WriteLog();
        var stream = new CoalescingStream(log);

        stream.Hold();
        await stream.WriteAsync(Bytes(3, 1));
        await stream.WriteAsync(Bytes(2, 2));
        Assert.That(log.Writes, Is.Empty, "nothing is sent while held");

        await stream.ReleaseAsync(CancellationToken.None);
        Assert.That(log.Writes, Has.Count.EqualTo(1));
        Assert.That(log.Writes[0], Is.EqualTo(new byte[] { 1, 1, 1, 2, 2 }));
    }

    [Test]
    public async Task Writes_pass_straight_through_when_nothing_is_held()
    {
        var log = new WriteLog();
        var stream = new CoalescingStream(log);

        await stream.WriteAsync(Bytes(4, 7));
        stream.Hold();
        await stream.ReleaseAsync(CancellationToken.None);
        await stream.WriteAsync(Bytes(1, 8));

        Assert.That(log.Writes.Select(w => w.Length), Is.EqualTo(new[] { 4, 1 }), "an empty release sends nothing");
    }

    [Test]
    public async Task A_long_run_is_sent_in_pieces_of_at_most_the_hold_limit_and_nothing_is_lost_or_reordered()
    {
        var log = new WriteLog();
        var stream = new CoalescingStream(log);
        var frame = CoalescingStream.HoldLimit / 4 + 1;

        stream.Hold();
        for (byte i = 0; i < 10; i++)
        {
            await stream.WriteAsync(Bytes(frame, i));
        }
        await stream.ReleaseAsync(CancellationToken.None);

        Assert.That(log.Writes, Has.Count.GreaterThan(1));
        Assert.That(log.Writes.All(w => w.Length <= CoalescingStream.HoldLimit), Is.True);
        var sent = log.Writes.SelectMany(w => w).ToArray();
        var expected = Enumerable.Range(0, 10).SelectMany(i => Bytes(frame, (byte)i)).ToArray();
        Assert.That(sent, Is.EqualTo(expected));
    }

    [Test]
    public async Task A_frame_bigger_than_the_hold_limit_follows_what_was_held_before_it()
    {
        var log = new WriteLog();
        var stream = new CoalescingStream(log);

        stream.Hold();
        await stream.WriteAsync(Bytes(5, 1));
        await stream.WriteAsync(Bytes(CoalescingStream.HoldLimit + 1, 2));
        await stream.WriteAsync(Bytes(5, 3));
        await stream.ReleaseAsync(CancellationToken.None);

        Assert.That(log.Writes.Select(w => (w.Length, w[0])), Is.EqualTo(new[] { (5, (byte)1), (CoalescingStream.HoldLimit + 1, (byte)2), (5, (byte)3) }));
    }
}
