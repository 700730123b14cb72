using System.Buffers;
using System.Text.Json;

namespace SignalRelay.Bench.Doors;

/// <summary>What the two raw-dialect agents share: the door's address and how a frame is written.</summary>
public static class RawDoor
{
    public static Uri Address(Uri server) => new UriBuilder(server) { Scheme = "ws", Path = "/ws" }.Uri;

    /// <summary>One JSON object frame, its fields written by <paramref name="write"/>.</summary>
    public static byte[] Frame(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
