using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Auth;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;
using SignalRelay.Server.Identity;

namespace SignalRelay.Server.Hub;

/// <summary>The typed hub .NET agents use. Each connection is one relay session.</summary>
[Authorize(Policy = RelayPolicies.Agent)]
public sealed class RelayHub(
    RelayBus bus,
    SessionRegistry registry,
    PresenceFlushService presence,
    ReplayPlanner replay,
    AgentIdentityResolver identity,
    IHubContext<RelayHub> hubContext,
    TimeProvider clock,
    QueueLimits queues,
    IOptions<RelayOptions> options,
    ILogger<RelayHub> logger) : Hub<IRelayClient>
{
    private const string SessionKey = "relay.session";
    private const string ExpiryKey = "relay.expiry";

    private static readonly RelayError TokenExpired = new()
    {
        Code = ErrorCodes.TokenExpired,
        Message = "The access token expired; reconnect with a fresh one, or call RefreshToken before it expires.",
        Recoverable = false,
    };

    public override async Task OnConnectedAsync()
    {
        var http = Context.GetHttpContext() ?? throw new HubException("The relay hub needs an HTTP connection.");
        var agent = identity.ResolveHubAgent(http);

        var (resume, fromLastStart) = HubResume.Read(http);
        // A token that lapsed since the upgrade's check (the client sent its handshake late) must not replace the agent's
        // live session with one that is over before it begins.
        var expiresAt = identity.HubExpiry(http);
        if (expiresAt <= clock.GetUtcNow())
        {
            throw new RelayException(TokenExpired);
        }
        var session = new HubSession(agent, Context, hubContext, queues, options.Value.Limits.MaxOpenStreams);
        Context.Items[SessionKey] = session;
        var expiry = new ExpiryTimer(() => session.Close(TokenExpired, drain: false), clock);
        Context.Items[ExpiryKey] = expiry;
        var registration = registry.Register(session, resume, fromLastStart: fromLastStart);
        expiry.Set(expiresAt);
        if (registration.FirstConnection)
        {
            await presence.SavedAsync();
        }
        session.Pump = Task.Run(() => session.RunAsync(replay.PlanAsync(registration)));
        logger.LogInformation("Agent {Agent} connected over SignalR ({ConnectionId}), resuming after {Resume}",
            agent, Context.ConnectionId, resume?.ToString() ?? (fromLastStart ? "the last connection's start" : "cursor"));
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items[SessionKey] is not HubSession session)
        {
            return;
        }
        session.Close(new RelayError { Code = "CLOSED", Message = "Connection closed.", Recoverable = false }, drain: false);
        if (session.Pump is { } pump)
        {
            await pump;
        }
        registry.Unregister(session);
        (Context.Items[ExpiryKey] as ExpiryTimer)?.Dispose();
        logger.LogInformation("Agent {Agent} disconnected from SignalR ({ConnectionId}): {Reason}",
            session.AgentId, Context.ConnectionId, exception?.Message ?? session.CloseReason?.Code);
    }

    /// <summary>Sends a broadcast (no <c>to</c>) or a direct message; returns once it is committed.</summary>
    public Task<SendAck> Send(SendRequest request)
    {
        var session = Session;
        return session.Sending(session.StreamOrder.Idle
            ? bus.PublishAsync(session.AgentId, request, Context.ConnectionAborted)
            : SendAfterStreamItems(session, request));
    }

    // Apart from Send, so that its closure is made only while a stream is open, not for every send.
    private Task<SendAck> SendAfterStreamItems(HubSession session, SendRequest request)
    {
        var aborted = Context.ConnectionAborted;
        return session.StreamOrder.AfterItemsReadBefore(() => bus.PublishAsync(session.AgentId, request, aborted));
    }

    /// <summary>What the agent may see, as <see cref="RelayBus.HistoryAsync"/>; it sees every send this connection made before it.</summary>
    public async Task<IReadOnlyList<Envelope>> History(HistoryQuery? query)
    {
        var session = Session;
        await session.SendsSettledAsync();
        return await bus.HistoryAsync(session.AgentId, session.AgentId, query ?? new HistoryQuery(), Context.ConnectionAborted);
    }

    /// <summary>The first page of the agents the relay knows, by id (<see cref="AgentsAfter"/> for the next).</summary>
    public IReadOnlyList<AgentInfo> Agents() => bus.Agents(Session.AgentId, after: null);

    /// <summary>The page of agents after the one named <paramref name="after"/>; an empty page means there are no more.</summary>
    public IReadOnlyList<AgentInfo> AgentsAfter(string? after) => bus.Agents(Session.AgentId, after);

    /// <summary>
    /// Presents a fresh token for this same agent; the session then lasts until it expires. SignalR itself
    /// cannot refresh the token of a live connection, so the client calls this before the old one lapses.
    /// </summary>
    public async Task<DateTimeOffset?> RefreshToken(string token)
    {
        var renewed = await identity.AuthenticateTokenAsync(Session.AgentId, token, Context.ConnectionAborted);
        (Context.Items[ExpiryKey] as ExpiryTimer)?.Set(renewed.ExpiresAt);
        return renewed.ExpiresAt;
    }

    public void Heartbeat() => registry.Touch(Session);

    /// <summary>Replaces this agent's metadata and tells everyone.</summary>
    public void Announce(JsonElement? metadata) => bus.Announce(Session, metadata);

    /// <summary>Relays a client stream (<see cref="HubStreams"/>); returns the ACK of its closing <c>turn_end</c>.</summary>
    public Task<SendAck> Stream(string? to, ChannelReader<JsonElement> chunks) =>
        HubStreams.RelayAsync(bus, Session, to, chunks, Context.ConnectionAborted);

    /// <summary>This connection's session; a call after it was closed (replaced, draining) is refused with the reason.</summary>
    private HubSession Session => Context.Items[SessionKey] switch
    {
        HubSession { CloseReason: { } reason } => throw new RelayException(reason),
        HubSession session => session,
        _ => throw new HubException("This connection has no relay session."),
    };
}
