using System.Buffers;
using SignalRelay.Server.Operations;

namespace SignalRelay.Server.RawSocket;

/// <summary>
/// An upgraded connection's stream that can gather writes. Kestrel flushes every write to an upgraded stream
/// as its own send, so a session writer with many frames ready holds its writes and releases them as one:
/// one flush and one kernel send instead of one per frame. Writes made while nothing is held (the WebSocket's
/// own pings, pongs and close frames between batches) go straight through.
/// </summary>
public sealed class CoalescingStream(Stream inner) : UpgradedStream(inner)
{
    /// <summary>Held bytes go out once they reach this size, so a long batch is sent in pieces as it is written.</summary>
    public const int HoldLimit = 64 * 1024;

    // Serializes writes to the inner stream: the session's writer and the WebSocket's own control frames.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _holding;
    private byte[]? _held;
    private int _heldCount;

    /// <summary>From now on writes are gathered until <see cref="ReleaseAsync"/>.</summary>
    public void Hold() => _holding = true;

    /// <summary>Sends what was gathered as one write and lets later writes through.</summary>
    public async ValueTask ReleaseAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _holding = false;
            await SendHeldAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_holding || buffer.Length > HoldLimit)
            {
                await SendHeldAsync(cancellationToken);
                await Inner.WriteAsync(buffer, cancellationToken);
                return;
            }
            if (_heldCount + buffer.Length > HoldLimit)
            {
                await SendHeldAsync(cancellationToken);
            }
            _held ??= ArrayPool<byte>.Shared.Rent(HoldLimit);
            buffer.Span.CopyTo(_held.AsSpan(_heldCount));
            _heldCount += buffer.Length;
        }
        finally
        {
            _gate.Release();
        }
    }

    // Called with the gate taken. The buffer goes back to the pool after each send, so an idle connection holds none.
    private async ValueTask SendHeldAsync(CancellationToken ct)
    {
        if (_held is not { } held)
        {
            return;
        }
        var count = _heldCount;
        _held = null;
        _heldCount = 0;
        try
        {
            await Inner.WriteAsync(held.AsMemory(0, count), ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(held);
        }
    }
}
