using System.IO.Pipelines;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// A connection's input paced one HTTP/2 frame at a time, control frames included: the server answers a PING or a
/// SETTINGS frame itself, and nothing above it would see a flood of them. Input that turns out not to be HTTP/2 is
/// passed through untouched.
/// </summary>
public sealed class PacedHttp2Input(PipeReader inner, FramePacer pacer, CancellationToken connectionClosed)
    : PacedPipeReader(inner, pacer, connectionClosed)
{
    private readonly Http2FrameCounter _frames = new();

    protected override bool Paces => !_frames.IsNotHttp2;

    protected override int Count(ReadOnlySpan<byte> bytes) => _frames.Count(bytes);
}
