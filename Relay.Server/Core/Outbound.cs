using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>Something queued for one connection. Each door writes it in its own wire format.</summary>
public abstract record Outbound;

/// <summary>A relayed message. One instance is shared by every receiver, so each dialect encodes it once.</summary>
public sealed record EnvelopeOut(Envelope Envelope) : Outbound
{
    private readonly byte[]?[] _encoded = new byte[]?[EncodingSlots.Count];

    /// <summary>The envelope in one wire format, encoded by the first receiver that needs it.</summary>
    public byte[] EncodedFor(int slot, Func<Envelope, byte[]> encode)
    {
        var cached = Volatile.Read(ref _encoded[slot]);
        if (cached is not null)
        {
            return cached;
        }
        // A race encodes twice at worst; both results are equal.
        cached = encode(Envelope);
        Volatile.Write(ref _encoded[slot], cached);
        return cached;
    }
}

public sealed record PresenceOut(PresenceEvent Presence) : Outbound;

public sealed record NoticeOut(RelayError Error) : Outbound;

/// <summary>Indexes of the per-format encoding cache in <see cref="EnvelopeOut"/>.</summary>
public static class EncodingSlots
{
    public const int V03 = 0;
    public const int Mesh = 1;
    public const int Count = 2;
}
