using System.Collections.Concurrent;
using System.Text.Json;
using SignalRelay.Bench.Measure;

namespace SignalRelay.Bench.Doors;

/// <summary>An agent speaking the v0.3 dialect: HELLO, then MESSAGE frames, each answered by an ACK naming its id.</summary>
public sealed class V03Agent(Uri server, string name, string? token, int index, IdStyle ids, DeliveryLedger ledger) : IBenchAgent
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiting = new();
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RawSocket? _socket;

    public async Task ConnectAsync(CancellationToken ct)
    {
        _socket = await RawDoor.OpenAsync(server, token, OnFrame, ct);
        _socket.Send(RawDoor.Frame(w =>
        {
            Header(w, "HELLO");
            w.WriteString("sender", name);
        }));
        // WELCOME is sent once the relay has registered the agent.
        await _welcomed.Task.WaitAsync(ct);
    }

    public Task SendAsync(int number, string? to, byte[] content, CancellationToken ct)
    {
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[number] = ack;
        _socket!.Send(RawDoor.Frame(w =>
        {
            Header(w, "MESSAGE");
            w.WriteString("message_id", MessageIds.Of(ids, number));
            w.WriteString("sender", name);
            if (to is not null)
            {
                w.WriteString("recipient", to);
            }
            w.WritePropertyName("content");
            w.WriteRawValue(content, skipInputValidation: true);
        }));
        return ack.Task.WaitAsync(ct);
    }

    private void OnFrame(ReadOnlyMemory<byte> frame)
    {
        var scan = FrameScan.Read(frame.Span, "message_type"u8, "sender"u8, "message_id"u8, "content"u8);
        if (scan.Type.SequenceEqual("MESSAGE"u8))
        {
            if (!scan.Sender.SequenceEqual("relay_server"u8) && BenchPayload.TryRead(scan.ContentOnward, out var payload))
            {
                ledger.RecordDelivery(index, payload);
            }
        }
        else if (scan.Type.SequenceEqual("ACK"u8))
        {
            if (MessageIds.TryReadNumber(scan.Id, out var number) && _waiting.TryRemove(number, out var ack))
            {
                if (frame.Span.IndexOf("\"duplicate\":true"u8) >= 0)
                {
                    ack.TrySetException(new InvalidOperationException($"Message {number} was acknowledged as a duplicate."));
                }
                else
                {
                    ack.TrySetResult();
                }
            }
        }
        else if (scan.Type.SequenceEqual("WELCOME"u8))
        {
            _welcomed.TrySetResult();
        }
        else if (scan.Type.SequenceEqual("ERROR"u8))
        {
            var error = new InvalidOperationException(System.Text.Encoding.UTF8.GetString(frame.Span));
            _welcomed.TrySetException(error);
            ledger.RecordFailure(error);
        }
    }

    private static void Header(Utf8JsonWriter w, string type)
    {
        w.WriteString("protocol_version", "0.3");
        w.WriteString("message_type", type);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket is not null)
        {
            await _socket.DisposeAsync();
        }
        foreach (var ack in _waiting.Values)
        {
            ack.TrySetCanceled();
        }
    }
}
