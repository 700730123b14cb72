using System.Text;
using SignalRelay.Server.Operations;

namespace SignalRelay.Tests.Raw;

/// <summary>The counter finds every HTTP/2 frame a client starts, however the connection cuts the bytes, and nothing in anything else.</summary>
public sealed class Http2FrameCounterTests
{
    [Test]
    public void Frames_after_the_preface_are_counted_in_pieces_of_any_size()
    {
        byte[] sent =
        [
            .. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8,
            .. Http2Wire.Frame(Http2Wire.Settings, 0, []),
            .. Http2Wire.PingFrame(7),
            .. Http2Wire.Frame(0x0, 0, new byte[70_000]),
            .. Http2Wire.Frame(Http2Wire.WindowUpdate, 0, [0, 0, 0, 1]),
        ];

        foreach (var piece in new[] { 1, 2, 3, 5, 9, 13, 64, 4096, sent.Length })
        {
            var counter = new Http2FrameCounter();
            var frames = 0;
            for (var at = 0; at < sent.Length; at += piece)
            {
                frames += counter.Count(sent.AsSpan(at, Math.Min(piece, sent.Length - at)));
            }
            Assert.That(frames, Is.EqualTo(4), $"in pieces of {piece} bytes: settings, ping, a 70,000-byte frame, a window update");
            Assert.That(counter.IsNotHttp2, Is.False);
        }
    }

    [TestCase("GET /ws HTTP/1.1\r\nHost: relay\r\n\r\n")]
    [TestCase("PRI * HTTP/1.1\r\n\r\n")]
    [TestCase("\u0016\u0003\u0001")]
    public void A_connection_that_does_not_open_with_the_preface_has_no_frames(string opening)
    {
        var counter = new Http2FrameCounter();

        var frames = counter.Count(Encoding.Latin1.GetBytes(opening)) + counter.Count(Http2Wire.PingFrame(1));

        Assert.Multiple(() =>
        {
            Assert.That(frames, Is.Zero);
            Assert.That(counter.IsNotHttp2, Is.True);
        });
    }
}
