using System.Text.Json;

namespace SignalRelay.Bench.Doors;

/// <summary>
/// The few top-level fields of a raw-dialect frame the generator needs, read with one forward pass and no
/// document: the type, the sender, the message id and where the content starts. The pass stops once it has all
/// four: the generator shares the cores with the server it measures, so it reads no more of a delivery than the
/// ledger needs (the relay's own tests check its frames whole).
/// </summary>
public readonly ref struct FrameScan
{
    public ReadOnlySpan<byte> Type { get; private init; }
    public ReadOnlySpan<byte> Sender { get; private init; }
    public ReadOnlySpan<byte> Id { get; private init; }
    /// <summary>The frame from the content's first byte on: the content value, then whatever follows it.</summary>
    public ReadOnlySpan<byte> ContentOnward { get; private init; }

    /// <summary>Scans <paramref name="frame"/> for the fields with the given names (the dialect's names).</summary>
    public static FrameScan Read(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> typeName, ReadOnlySpan<byte> senderName,
        ReadOnlySpan<byte> idName, ReadOnlySpan<byte> contentName)
    {
        ReadOnlySpan<byte> type = default, sender = default, id = default, content = default;
        var reader = new Utf8JsonReader(frame);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual(typeName)) type = reader.ValueSpan;
                else if (name.SequenceEqual(senderName)) sender = reader.ValueSpan;
                else if (name.SequenceEqual(idName)) id = reader.ValueSpan;
                else if (name.SequenceEqual(contentName))
                {
                    content = frame[(int)reader.TokenStartIndex..];
                    if (!type.IsEmpty && !sender.IsEmpty && !id.IsEmpty)
                    {
                        break;
                    }
                    reader.Skip();
                }
                else reader.Skip();
            }
        }
        return new FrameScan { Type = type, Sender = sender, Id = id, ContentOnward = content };
    }
}
