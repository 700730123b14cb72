using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// Every connection's frame budget (<see cref="FramePacer"/>), and a count of the connections that had to wait for it.
/// A paced client is slowed, not told, so the count is what tells an operator why a busy agent runs no faster.
/// </summary>
public sealed class FramePacing
{
    private long _round;
    private long _paced;

    public FramePacing(IOptions<RelayOptions> options, IHostApplicationLifetime lifetime)
    {
        RelayStopping = lifetime.ApplicationStopping;
        var limits = options.Value.Limits;
        FramesPerSecond = limits.FramesPerSecond > 0 ? limits.FramesPerSecond : 2 * limits.MessagesPerSecond;
        FrameBurst = limits.FrameBurst > 0 ? limits.FrameBurst : 2 * limits.Burst;
    }

    public int FramesPerSecond { get; }
    public int FrameBurst { get; }

    /// <summary>Ends every wait for a budget: a stopping relay does not wait for what paced clients owe.</summary>
    public CancellationToken RelayStopping { get; }

    public FramePacer NewPacer() => new(this);

    /// <summary>
    /// The pacer of the connection <paramref name="http"/> came on, so its HTTP requests and, once upgraded, its
    /// WebSocket frames share one budget. A server that keeps no items per connection gets a pacer per request.
    /// </summary>
    public FramePacer OfConnection(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items is { } items ? OfConnection(items) : NewPacer();

    /// <summary>The pacer kept in a connection's <paramref name="items"/>, made by whichever asks first.</summary>
    public FramePacer OfConnection(IDictionary<object, object?> items)
    {
        // HTTP/2 runs a connection's streams side by side.
        lock (items)
        {
            if (items.TryGetValue(typeof(FramePacer), out var existing))
            {
                return (FramePacer)existing!;
            }
            var pacer = NewPacer();
            items[typeof(FramePacer)] = pacer;
            return pacer;
        }
    }

    /// <summary>Counts a connection once per round, however many of its frames wait in it.</summary>
    internal void CountWaiting(ref long connectionsRound)
    {
        var round = Volatile.Read(ref _round);
        if (Interlocked.Exchange(ref connectionsRound, round) != round)
        {
            Interlocked.Increment(ref _paced);
        }
    }

    /// <summary>The connections that waited since the last call, which starts the next round.</summary>
    public long TakeWaitingCount()
    {
        Interlocked.Increment(ref _round);
        return Interlocked.Exchange(ref _paced, 0);
    }
}
