using Microsoft.AspNetCore.SignalR;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>A SignalR connection as a relay session: frames become client callbacks.</summary>
public sealed class HubSession(
    string agentId,
    HubCallerContext caller,
    IHubContext<RelayHub> hub,
    QueueLimits queues,
    int maxOpenStreams) : RelaySession(agentId, "signalr", queues)
{
    private static readonly TimeSpan ReasonTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long a told client has to leave by itself before the connection is aborted.</summary>
    private static readonly TimeSpan LeaveGrace = TimeSpan.FromSeconds(1);

    private Task _lastSend = Task.CompletedTask;

    public Task? Pump { get; set; }

    /// <summary>The order of this connection's sends and stream items.</summary>
    public HubStreamOrder StreamOrder { get; } = new(maxOpenStreams);

    /// <summary>
    /// Remembers the connection's newest send still on its way. SignalR runs a connection's calls side by side, so a
    /// history call made after a send it did not wait for could otherwise read the store before that send is committed;
    /// one sender's messages commit in order, so the newest send settled means all of them are. A send refused at once
    /// (a bad request) is not remembered: it says nothing of the ones before it.
    /// </summary>
    public Task<SendAck> Sending(Task<SendAck> send)
    {
        if (!send.IsCompleted)
        {
            Volatile.Write(ref _lastSend, send);
        }
        return send;
    }

    /// <summary>
    /// Completes once every send this connection made so far is committed or refused; if it had to wait, on the thread
    /// pool, so the history read that follows never runs on the commit loop's thread.
    /// </summary>
    public Task SendsSettledAsync() => OffTheCommitLoop.SettledAsync(Volatile.Read(ref _lastSend));

    protected override ValueTask WriteAsync(Outbound item, CancellationToken ct)
    {
        var client = hub.Clients.Client(caller.ConnectionId);
        var sent = item switch
        {
            EnvelopeOut e => client.SendAsync(HubProtocol.Receive, e.Envelope, ct),
            PresenceOut p => client.SendAsync(HubProtocol.Presence, p.Presence, ct),
            NoticeOut n => client.SendAsync(HubProtocol.Error, n.Error, ct),
            _ => throw new InvalidOperationException($"The hub cannot send {item.GetType().Name}."),
        };
        return new ValueTask(sent);
    }

    /// <summary>
    /// SignalR has no graceful server-side close of one connection, and aborting at once can drop the reason
    /// just written. So the reason is sent, the client gets a moment to read it and leave, then it is aborted.
    /// </summary>
    protected override async Task CloseTransportAsync(RelayError reason)
    {
        using var timeout = new CancellationTokenSource(ReasonTimeout);
        try
        {
            await hub.Clients.Client(caller.ConnectionId).SendAsync(HubProtocol.Error, reason, timeout.Token);
            await Task.Delay(LeaveGrace, caller.ConnectionAborted);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            caller.Abort();
        }
    }
}
