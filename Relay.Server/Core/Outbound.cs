using System.Runtime.InteropServices;
using System.Text.Json;
using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>Something queued for one connection. Each door writes it in its own wire format.</summary>
public abstract record Outbound
{
    /// <summary>About what the item holds in memory while it waits, counted against <c>Relay:Limits:MaxQueuedBytes</c>; small items count nothing.</summary>
    public virtual int QueuedBytes => 0;

    /// <summary>The bytes of a JSON value, plus a frame's worth of fields around it.</summary>
    protected static int WithFields(JsonElement? value) =>
        FieldBytes + (value is { ValueKind: not JsonValueKind.Undefined } given ? JsonMarshal.GetRawUtf8Value(given).Length : 0);

    private const int FieldBytes = 256;
}

/// <summary>
/// An item queued for many receivers (a relayed message, a presence notice). One instance is shared by every
/// receiver, so each wire format encodes it once, on the first receiver that needs it.
/// </summary>
public abstract record SharedOut<T>(T Value) : Outbound
{
    private readonly byte[]?[] _encoded = new byte[]?[EncodingSlots.Count];
    private readonly byte[]?[] _framed = new byte[]?[EncodingSlots.Count];

    /// <summary>The value in one wire format, encoded by the first receiver that needs it.</summary>
    public byte[] EncodedFor(int slot, Func<T, byte[]> encode) =>
        Once(_encoded, slot, (Value, encode), static s => s.encode(s.Value));

    /// <summary>
    /// The encoded value wrapped for the wire by <paramref name="frame"/> (a WebSocket frame), also once per
    /// format: every receiver of that format gets the same bytes.
    /// </summary>
    public byte[] FramedFor(int slot, Func<T, byte[]> encode, Func<ReadOnlySpan<byte>, byte[]> frame) =>
        Once(_framed, slot, (Self: this, slot, encode, frame), static s => s.frame(s.Self.EncodedFor(s.slot, s.encode)));

    // The state is passed rather than captured, so a cache hit (every receiver but the first) allocates nothing.
    private static byte[] Once<TState>(byte[]?[] cache, int slot, TState state, Func<TState, byte[]> make)
    {
        var cached = Volatile.Read(ref cache[slot]);
        if (cached is not null)
        {
            return cached;
        }
        // A race makes it twice at worst; both results are equal.
        cached = make(state);
        Volatile.Write(ref cache[slot], cached);
        return cached;
    }
}

/// <summary>A relayed message.</summary>
public sealed record EnvelopeOut(Envelope Envelope) : SharedOut<Envelope>(Envelope)
{
    public override int QueuedBytes { get; } = WithFields(Envelope.Content);
}

/// <summary>
/// A presence event and the registry's number for it, which no other change in this process has: changes may share a
/// millisecond, so the time alone does not tell them apart (the v0.3 door's <c>message_id</c> needs both). 0 for a
/// greeting of who is already online, which is no change.
/// </summary>
public sealed record PresenceChange(PresenceEvent Presence, long Number);

/// <summary>Another agent coming, going or changing its metadata.</summary>
public sealed record PresenceOut(PresenceChange Change) : SharedOut<PresenceChange>(Change)
{
    public PresenceEvent Presence => Change.Presence;

    public override int QueuedBytes { get; } = WithFields(Change.Presence.Metadata);
}

/// <summary>Presence changes announced together, written one after the other; one instance is shared by most receivers.</summary>
public sealed record PresenceBatchOut(IReadOnlyList<PresenceOut> Notices) : Outbound
{
    public override int QueuedBytes { get; } = Notices.Sum(n => n.QueuedBytes);
}

public sealed record NoticeOut(RelayError Error) : Outbound;

/// <summary>
/// The session has been sent everything up to <paramref name="Seq"/> that it should see (or told what was
/// skipped), so its cursor moves there: at the end of a replay, and for a new agent before it. Nothing is written.
/// </summary>
public sealed record CaughtUpOut(long Seq) : Outbound;

/// <summary>Indexes of the per-format encoding cache in <see cref="SharedOut{T}"/>.</summary>
public static class EncodingSlots
{
    public const int V03 = 0;
    public const int Mesh = 1;
    public const int Count = 2;
}
