using System.Collections.Concurrent;

namespace SignalRelay.Tests.Swarm;

/// <summary>One connection of a swarm agent through one of the three doors, recording what it receives.</summary>
public interface ISwarmLink : IAsyncDisposable
{
    SwarmConnection Connection { get; }

    /// <summary>Completes when a receipt with this message id arrives on this link.</summary>
    Task Saw(string id);

    /// <summary>The seq of the ACK, or null when none came (mesh has none; a cut or refusal).</summary>
    Task<long?> SendAsync(string id, string? to);

    /// <summary>Leaves by <paramref name="exit"/> and waits until the link's reading has ended.</summary>
    Task LeaveAsync(SwarmExit exit, CuttableProxy proxy);

    /// <summary>Waits until the relay or the network has ended the link (a replacement, a drop).</summary>
    Task EndedAsync();
}

/// <summary>Shared bookkeeping: receipts into the ledger, and waiting for a given message id.</summary>
public abstract class SwarmLinkBase(SwarmAgentRecord agent, SwarmConnection connection) : ISwarmLink
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _seen = new();

    protected SwarmAgentRecord Agent { get; } = agent;

    public SwarmConnection Connection { get; } = connection;

    public ConcurrentQueue<string> Errors { get; } = new();

    public Task Saw(string id) => _seen.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    protected void Received(long seq, string from, string id, string? to)
    {
        Agent.Receive(new SwarmReceipt(Connection.Index, seq, from, id, to));
        _seen.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public abstract Task<long?> SendAsync(string id, string? to);

    public abstract Task LeaveAsync(SwarmExit exit, CuttableProxy proxy);

    public abstract Task EndedAsync();

    public abstract ValueTask DisposeAsync();
}
