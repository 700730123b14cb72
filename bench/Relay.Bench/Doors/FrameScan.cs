using System.Text.Json;

namespace SignalRelay.Bench.Doors;

/// <summary>
/// The few top-level fields of a raw-dialect frame the generator needs, read with one forward pass and no
/// document: the type, the sender, the message id and where the content sits in the frame.
/// </summary>
public readonly ref struct FrameScan
{
    public ReadOnlySpan<byte> Type { get; private init; }
    public ReadOnlySpan<byte> Sender { get; private init; }
    public ReadOnlySpan<byte> Id { get; private init; }
    public ReadOnlySpan<byte> Content { get; private init; }

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
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    content = frame[start..(int)reader.BytesConsumed];
                }
                else reader.Skip();
            }
        }
        return new FrameScan { Type = type, Sender = sender, Id = id, Content = content };
    }
}
