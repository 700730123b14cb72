using System.Buffers;
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

    /// <summary>Writes a payload that may be absent (an envelope without content) as null.</summary>
    public static void WriteContent(this Utf8JsonWriter writer, string name, JsonElement content)
    {
        writer.WritePropertyName(name);
        if (content.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteNullValue();
        }
        else
        {
            content.WriteTo(writer);
        }
    }

    /// <summary>ISO 8601 in UTC with a <c>Z</c>, as the v0.3 seed writes timestamps.</summary>
    public static void WriteTimestamp(this Utf8JsonWriter writer, string name, DateTimeOffset time) =>
        writer.WriteString(name, time.UtcDateTime);
}
