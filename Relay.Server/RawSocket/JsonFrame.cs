using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SignalRelay.Server.RawSocket;

/// <summary>Writes one JSON object frame with a per-thread reusable buffer and writer; the only allocation is the result.</summary>
public static class JsonFrame
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Frames go to WebSocket clients, never into HTML, so non-ASCII text stays as it is.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly SearchValues<char> NumberCharacters = SearchValues.Create("0123456789.eE+-");

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static byte[] Write<TState>(TState state, Action<Utf8JsonWriter, TState> writeProperties)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            writeProperties(writer, state);
            writer.WriteEndObject();
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.ResetWrittenCount();
        }
    }

    /// <summary>
    /// ISO 8601 in UTC with a <c>Z</c>, as the v0.3 seed writes timestamps, always to the millisecond: a parser given
    /// one fixed format (Python's <c>strptime</c>) takes every one of them.
    /// </summary>
    public static void WriteTimestamp(this Utf8JsonWriter writer, string name, DateTimeOffset time)
    {
        // The round-trip format's fast path, cut after the milliseconds: "2026-02-19T04:00:01.1234567Z" → "…01.123Z".
        Span<byte> text = stackalloc byte[28];
        time.UtcDateTime.TryFormat(text, out _, "O", CultureInfo.InvariantCulture);
        text[23] = (byte)'Z';
        writer.WriteString(name, text[..24]);
    }

    /// <summary>
    /// The sender's own timestamp, as given: clients send numbers too (whole seconds, or fractional as Python's
    /// <c>time.time()</c> gives), and one that came as a number goes back out as the same number, digit for digit.
    /// </summary>
    public static void WriteSentAt(this Utf8JsonWriter writer, string name, string sentAt)
    {
        if (IsJsonNumber(sentAt))
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(sentAt, skipInputValidation: true);
        }
        else
        {
            writer.WriteString(name, sentAt);
        }
    }

    /// <summary>The longest timestamp given as a number that goes back out as one; the doors refuse longer ones.</summary>
    public const int LongestNumericTimestamp = 64;

    private static bool IsJsonNumber(string text)
    {
        // The cheap test first: an ISO 8601 string fails it at its 'T' without the reader throwing.
        if (text.Length is 0 or > LongestNumericTimestamp || text.AsSpan().ContainsAnyExcept(NumberCharacters))
        {
            return false;
        }
        Span<byte> utf8 = stackalloc byte[LongestNumericTimestamp];
        var length = System.Text.Encoding.ASCII.GetBytes(text, utf8);
        var reader = new Utf8JsonReader(utf8[..length]);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.Number && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
