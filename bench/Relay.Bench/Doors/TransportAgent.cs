using SignalRelay.Bench.Measure;
using SignalRelay.Bench.Targets;

namespace SignalRelay.Bench.Doors;

/// <summary>An agent on the bare transport reference: content goes out as is, a one-byte frame acknowledges it.</summary>
public sealed class TransportAgent : IBenchAgent
{
    private readonly Uri _uri;
    private readonly DeliveryLedger _ledger;
    private readonly int _index;
    private readonly RawSocket _socket;
    private readonly AckQueue _acks = new();

    public TransportAgent(Uri server, int index, int target, DeliveryLedger ledger)
    {
        var query = $"agent={index}" + (target >= 0 ? $"&to={target}" : "");
        _uri = new UriBuilder(server) { Scheme = "ws", Path = TransportReference.Path, Query = query }.Uri;
        _ledger = ledger;
        _index = index;
        _socket = new RawSocket(OnFrame);
    }

    public async Task ConnectAsync(CancellationToken ct)
    {
        await _socket.ConnectAsync(_uri, token: null, ct);
        // The reference registers the socket before it answers the first frame; a ping proves it.
        var ready = _acks.Enqueue();
        _socket.Send(TransportReference.Ping);
        await ready.Task.WaitAsync(ct);
    }

    public Task SendAsync(int number, string? to, byte[] content, CancellationToken ct)
    {
        var ack = _acks.Enqueue();
        _socket.Send(content);
        return ack.Task.WaitAsync(ct);
    }

    private void OnFrame(ReadOnlyMemory<byte> frame)
    {
        if (frame.Span.SequenceEqual(TransportReference.Ack.Span))
        {
            _acks.CompleteOldest();
        }
        else if (BenchPayload.TryRead(frame.Span, out var payload))
        {
            _ledger.RecordDelivery(_index, payload);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _socket.DisposeAsync();
        _acks.FailAll(new OperationCanceledException("The agent was disposed."));
    }
}
