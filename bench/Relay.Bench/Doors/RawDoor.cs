using System.Buffers;
using System.Text.Json;

namespace SignalRelay.Bench.Doors;

/// <summary>What the two raw-dialect agents share: the door's address and how a frame is written.</summary>
public static class RawDoor
{
    /// <summary>
    /// A socket connected to the relay's raw door (with <paramref name="token"/> as its bearer token, if any) that
    /// hands every frame it receives to <paramref name="onFrame"/>.
    /// </summary>
    public static async Task<RawSocket> OpenAsync(Uri server, string? token, Action<ReadOnlyMemory<byte>> onFrame, CancellationToken ct)
    {
        var socket = new RawSocket(onFrame);
        try
        {
            await socket.ConnectAsync(Address(server), token, ct);
            return socket;
        }
        catch
        {
            await socket.DisposeAsync();
            throw;
        }
    }

    /// <summary>The relay's raw WebSocket door on <paramref name="server"/>.</summary>
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
