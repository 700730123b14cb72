using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;
using SignalRelay.Server.Identity;
using SignalRelay.Server.RawSocket.Dialects;

namespace SignalRelay.Server.RawSocket;

/// <summary>The raw WebSocket front door: accepts the socket and hands it to a <see cref="RawConnection"/>.</summary>
public sealed class RawSocketDoor(
    RelayBus bus,
    SessionRegistry registry,
    PresenceFlushService presence,
    ReplayPlanner replay,
    AgentIdentityResolver identity,
    TimeProvider clock,
    QueueLimits queues,
    IOptions<RelayOptions> relayOptions,
    IOptions<RawSocketOptions> rawOptions,
    IHostApplicationLifetime lifetime,
    ILogger<RawSocketDoor> logger)
{
    public RelayBus Bus { get; } = bus;
    public SessionRegistry Registry { get; } = registry;
    public PresenceFlushService Presence { get; } = presence;
    public ReplayPlanner Replay { get; } = replay;
    public AgentIdentityResolver Identity { get; } = identity;
    public TimeProvider Clock { get; } = clock;
    public LimitOptions Limits { get; } = relayOptions.Value.Limits;
    public QueueLimits Queues { get; } = queues;
    public TimeSpan HandshakeTimeout { get; } = TimeSpan.FromSeconds(relayOptions.Value.Sessions.HandshakeTimeoutSeconds);
    public TimeSpan CloseTimeout { get; } = TimeSpan.FromSeconds(rawOptions.Value.CloseTimeoutSeconds);

    /// <summary>Fires when the relay begins to stop: a connection still in its handshake is not waited for.</summary>
    public CancellationToken Stopping { get; } = lifetime.ApplicationStopping;
    public ILogger Logger { get; } = logger;

    public DialectDetector Dialects { get; } = new(
        new V03Dialect(relayOptions.Value.Sessions.HeartbeatIntervalSeconds),
        new MeshDialect());

    public async Task AcceptAsync(HttpContext http)
    {
        var raw = rawOptions.Value;
        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(raw.KeepAliveSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(raw.KeepAliveTimeoutSeconds),
        });
        try
        {
            await new RawConnection(this, http, socket).RunAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The peer vanished mid-handshake; there is nobody to tell.
        }
    }
}
