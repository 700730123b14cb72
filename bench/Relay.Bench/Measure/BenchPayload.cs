using System.Buffers;
using System.Text.Json;

namespace SignalRelay.Bench.Measure;

/// <summary>
/// What the generator puts in every message's content: <c>{"a":sender,"n":number,"t":sendTimestamp,"p":"filler"}</c>.
/// The receiver reads sender, number and timestamp back, whatever door carried it.
/// </summary>
public readonly record struct BenchPayload(int Sender, int Number, long SentTimestamp)
{
    private static readonly JsonEncodedText A = JsonEncodedText.Encode("a");
    private static readonly JsonEncodedText N = JsonEncodedText.Encode("n");
    private static readonly JsonEncodedText T = JsonEncodedText.Encode("t");
    private static readonly JsonEncodedText P = JsonEncodedText.Encode("p");

    /// <summary>A filler string that makes the content about <paramref name="payloadBytes"/> long.</summary>
    public static string Filler(int payloadBytes) => new('x', Math.Max(0, payloadBytes - 48));

    public void WriteTo(Utf8JsonWriter writer, string filler)
    {
        writer.WriteStartObject();
        writer.WriteNumber(A, Sender);
        writer.WriteNumber(N, Number);
        writer.WriteNumber(T, SentTimestamp);
        writer.WriteString(P, filler);
        writer.WriteEndObject();
    }

    public byte[] Encode(string filler)
    {
        var buffer = new ArrayBufferWriter<byte>(filler.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer, filler);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the payload from an envelope's content; anything else is not the bench's.</summary>
    public static bool TryRead(JsonElement content, out BenchPayload payload)
    {
        payload = default;
        if (content.ValueKind != JsonValueKind.Object
            || !content.TryGetProperty("a", out var a)
            || !content.TryGetProperty("n", out var n)
            || !content.TryGetProperty("t", out var t))
        {
            return false;
        }
        payload = new BenchPayload(a.GetInt32(), n.GetInt32(), t.GetInt64());
        return true;
    }

    /// <summary>
    /// Reads the payload from the raw JSON bytes of the object that starts <paramref name="json"/>, without building a
    /// document, and stops as soon as it has the three numbers: neither the filler nor anything after the object is read.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out BenchPayload payload)
    {
        payload = default;
        var reader = new Utf8JsonReader(json);
        int? sender = null, number = null;
        long? sent = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("a"u8)) sender = reader.GetInt32();
            else if (name.SequenceEqual("n"u8)) number = reader.GetInt32();
            else if (name.SequenceEqual("t"u8)) sent = reader.GetInt64();
            else reader.Skip();
            if (sender is { } a && number is { } n && sent is { } t)
            {
                payload = new BenchPayload(a, n, t);
                return true;
            }
        }
        return false;
    }
}
