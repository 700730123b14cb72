using SignalRelay.Bench.Measure;

namespace SignalRelay.Bench.Doors;

/// <summary>
/// A v0.3 agent beside the measured ones that loads the store's reads as agents that poll history do: over and over,
/// it sends one message (a direct to an agent that never connects, so the measured agents get nothing) and, without
/// waiting for its ACK, asks for the newest page of history, then waits for the reply (or the refusal once its read
/// budget is spent). Its traffic is not in the ledger; what it costs shows in the measured agents' figures.
/// </summary>
public sealed class HistoryReader(Uri server, string name, string? token) : IAsyncDisposable
{
    private static readonly byte[] Request = RawDoor.Frame(w =>
    {
        w.WriteString("protocol_version", "0.3");
        w.WriteString("message_type", "REQUEST_HISTORY");
        w.WriteNumber("limit", 1000);
    });

    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _replies = new(0);
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RawSocket? _socket;

    /// <summary>History replies and refusals received.</summary>
    public int Answered { get; private set; }

    public async Task ConnectAsync(CancellationToken ct)
    {
        _socket = await RawDoor.OpenAsync(server, token, OnFrame, ct);
        _socket.Send(RawDoor.Frame(w =>
        {
            w.WriteString("protocol_version", "0.3");
            w.WriteString("message_type", "HELLO");
            w.WriteString("sender", name);
        }));
        await _welcomed.Task.WaitAsync(ct);
    }

    /// <summary>Sends and asks, at least once, until <paramref name="ct"/> fires; fails if a reply is not back within the timeout.</summary>
    public async Task RunAsync(byte[] content, CancellationToken ct)
    {
        var n = 0;
        do
        {
            _socket!.Send(RawDoor.Frame(w =>
            {
                w.WriteString("protocol_version", "0.3");
                w.WriteString("message_type", "MESSAGE");
                w.WriteString("message_id", $"{name}-{n}");
                w.WriteString("sender", name);
                w.WriteString("recipient", $"{name}-nobody");
                w.WritePropertyName("content");
                w.WriteRawValue(content, skipInputValidation: true);
            }));
            _socket.Send(Request);
            if (!await _replies.WaitAsync(ReplyTimeout))
            {
                throw new TimeoutException($"{name}: no answer to a history request within {ReplyTimeout.TotalSeconds} s.");
            }
            Answered++;
            n++;
        }
        while (!ct.IsCancellationRequested);
    }

    private void OnFrame(ReadOnlyMemory<byte> frame)
    {
        var type = FrameScan.Read(frame.Span, "message_type"u8, "sender"u8, "message_id"u8, "content"u8).Type;
        if (type.SequenceEqual("WELCOME"u8))
        {
            _welcomed.TrySetResult();
        }
        else if (type.SequenceEqual("HISTORY_RESPONSE"u8) || type.SequenceEqual("ERROR"u8))
        {
            _replies.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket is not null)
        {
            await _socket.DisposeAsync();
        }
        _replies.Dispose();
    }
}
