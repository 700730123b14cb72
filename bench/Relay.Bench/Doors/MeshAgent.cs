using SignalRelay.Bench.Measure;

namespace SignalRelay.Bench.Doors;

/// <summary>
/// An agent speaking the mesh dialect: <c>presence</c>, then <c>broadcast</c> or <c>direct</c> frames. The relay
/// acknowledges nothing in this dialect and routes only committed messages, so a send counts as acknowledged
/// when its first receiver has it.
/// </summary>
public sealed class MeshAgent(Uri server, string name, string? token, int index, IdStyle ids, DeliveryLedger ledger) : IBenchAgent
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RawSocket? _socket;

    public async Task ConnectAsync(CancellationToken ct)
    {
        _socket = await RawDoor.OpenAsync(server, token, OnFrame, ct);
        _socket.Send(RawDoor.Frame(w =>
        {
            w.WriteString("type", "presence");
            w.WriteString("from", name);
            w.WriteStartObject("data");
            w.WriteString("role", "bench");
            w.WriteEndObject();
        }));
        // The relay answers nothing to presence; an unknown type gets an error reply, which proves the session is live.
        _socket.Send(RawDoor.Frame(w =>
        {
            w.WriteString("type", "bench_probe");
            w.WriteString("from", name);
        }));
        await _ready.Task.WaitAsync(ct);
    }

    public Task SendAsync(int number, string? to, byte[] content, CancellationToken ct)
    {
        var delivered = ledger.FirstDelivery(index, number);
        _socket!.Send(RawDoor.Frame(w =>
        {
            w.WriteString("type", to is null ? "broadcast" : "direct");
            w.WriteString("from", name);
            if (to is not null)
            {
                w.WriteString("to", to);
            }
            w.WriteString("id", MessageIds.Of(ids, number));
            w.WritePropertyName("data");
            w.WriteRawValue(content, skipInputValidation: true);
        }));
        return delivered.WaitAsync(ct);
    }

    private void OnFrame(ReadOnlyMemory<byte> frame)
    {
        var scan = FrameScan.Read(frame.Span, "type"u8, "from"u8, "id"u8, "data"u8);
        if (scan.Type.SequenceEqual("broadcast"u8) || scan.Type.SequenceEqual("direct"u8))
        {
            if (BenchPayload.TryRead(scan.ContentOnward, out var payload))
            {
                ledger.RecordDelivery(index, payload);
            }
        }
        else if (scan.Type.SequenceEqual("error"u8) && scan.Sender.SequenceEqual("relay"u8))
        {
            if (!_ready.TrySetResult())
            {
                ledger.RecordFailure(new InvalidOperationException(System.Text.Encoding.UTF8.GetString(frame.Span)));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket is not null)
        {
            await _socket.DisposeAsync();
        }
    }
}
