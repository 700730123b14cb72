using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using SignalRelay.Contracts;
using SignalRelay.Server.Auth;
using SignalRelay.Server.Core;
using SignalRelay.Server.Identity;
using SignalRelay.Server.Operations;
using SignalRelay.Server.RawSocket.Dialects;

namespace SignalRelay.Server.RawSocket;

/// <summary>
/// One raw WebSocket from upgrade to close: the handshake (dialect, optional auth, HELLO or presence), then
/// a relay session whose receive loop hands frames to the dialect's conversation while the session's
/// pump writes everything out.
/// </summary>
public sealed class RawConnection(RawSocketDoor door, HttpContext http, WebSocket socket)
{
    private sealed record Handshake(IRawDialect Dialect, Identification Claim, AgentIdentity Identity);

    public async Task RunAsync()
    {
        using var reader = new FrameReader(socket, door.Limits.MaxFrameBytes);
        if (await HandshakeAsync(reader) is { } handshake)
        {
            await RunSessionAsync(reader, handshake);
        }
    }

    /// <summary>
    /// Reads until a frame names the agent; bad frames are answered and the client may try again until the timeout, or
    /// until the relay stops: a connection that is not yet a session has none for the shutdown to close.
    /// </summary>
    private async Task<Handshake?> HandshakeAsync(FrameReader reader)
    {
        using var handshakeOver = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, door.Stopping);
        try
        {
            return await HandshakeAsync(reader, Task.Delay(door.HandshakeTimeout, door.Clock, handshakeOver.Token));
        }
        finally
        {
            // Stops the deadline's timer, which would otherwise hold on to this connection until it fires.
            await handshakeOver.CancelAsync();
        }
    }

    private async Task<Handshake?> HandshakeAsync(FrameReader reader, Task deadline)
    {
        IRawDialect? dialect = null;
        string? authToken = null;
        while (true)
        {
            var read = reader.ReadAsync(http.RequestAborted).AsTask();
            if (await Task.WhenAny(read, deadline) != read)
            {
                await RefuseAsync(reader, dialect, HandshakeCutShort, read);
                return null;
            }
            switch (await read)
            {
                case FrameStatus.Closed:
                    await RawClose.SendAsync(socket, null, RawErrors.Closed, door.CloseTimeout);
                    return null;
                case FrameStatus.TooLarge:
                    await RefuseAsync(reader, dialect, RawErrors.FrameTooLarge(door.Limits.MaxFrameBytes), null);
                    return null;
                case FrameStatus.Binary:
                    await SendDirectAsync(dialect, RawErrors.Binary);
                    continue;
            }

            Identification claim;
            try
            {
                using var document = Parse(reader.Payload);
                var frame = RequireObject(document.RootElement);
                dialect ??= door.Dialects.Detect(frame);
                var type = FrameFields.RequiredString(frame, dialect.TypeField);
                if (dialect.IsAuth(type))
                {
                    authToken = FrameFields.RequiredString(frame, "token");
                    continue;
                }
                claim = dialect.Identify(frame, type);
                AgentMetadata.Check(claim.Metadata, door.Limits.MaxMetadataBytes);
                if (AgentIds.IsRelayName(claim.Agent))
                {
                    throw new RelayException(AgentIdentityResolver.RelayNameTaken(claim.Agent));
                }
            }
            catch (JsonException)
            {
                await SendDirectAsync(dialect, RawErrors.MalformedJson);
                continue;
            }
            catch (RelayException ex)
            {
                await SendDirectAsync(dialect, ex.Error);
                continue;
            }

            // The token's check is part of the handshake and has its deadline: an identity provider that never answers
            // must not keep the client waiting with no word.
            var authenticating = door.Identity.AuthenticateRawAsync(http, claim.Agent, claim.Token ?? authToken, http.RequestAborted).AsTask();
            if (await Task.WhenAny(authenticating, deadline) != authenticating)
            {
                await RefuseAsync(reader, dialect, HandshakeCutShort, null);
                return null;
            }
            try
            {
                return new Handshake(dialect, claim, await authenticating);
            }
            catch (RelayException ex)
            {
                await RefuseAsync(reader, dialect, ex.Error with { Recoverable = false }, null);
                return null;
            }
        }
    }

    /// <summary>Why a handshake past its deadline ends: the relay is stopping, or the client took too long.</summary>
    private RelayError HandshakeCutShort => door.Stopping.IsCancellationRequested ? ShutdownCoordinator.ShuttingDown : RawErrors.HandshakeTimeout;

    private async Task RunSessionAsync(FrameReader reader, Handshake handshake)
    {
        var dialect = handshake.Dialect;
        var transport = (http.Features.Get<IHttpUpgradeFeature>() as CoalescingUpgradeFeature)?.Stream;
        var frames = http.Features.Get<PacedUpgradeFeature>()?.Stream?.Frames;
        var session = new RawSession(handshake.Identity.AgentId, dialect, socket, transport, frames, door.Queues, door.CloseTimeout)
        {
            Metadata = handshake.Claim.Metadata,
        };
        var registration = door.Registry.Register(session, handshake.Claim.ResumeFrom, listOthersOnline: dialect.AnnouncesOthersOnline);
        // What the agent already has: its cursor, or what resume_from_seq claims (never past the head). A new agent
        // has nothing yet; its writer confirms the broadcasts before it came as skipped once nothing sent is unread.
        session.ConfirmUpTo(Math.Min(registration.Range.DirectsAfter, registration.Range.UpTo));
        door.Logger.LogInformation("Agent {Agent} connected over raw WebSocket ({Protocol}), resuming after {Resume}",
            session.AgentId, dialect.Protocol, handshake.Claim.ResumeFrom?.ToString() ?? "cursor");

        var responses = new ResponseChain(session, dialect, door.Limits.MaxPendingReplies);
        using var expiry = new ExpiryTimer(() => session.End(RawErrors.TokenExpired), door.Clock);
        using var receiving = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var pump = Task.CompletedTask;
        var ending = RawErrors.ConnectionLost;
        try
        {
            if (registration.FirstConnection)
            {
                await door.Presence.SavedAsync();
            }
            if (dialect.Welcome(session, registration.OnlineCount) is { } welcome)
            {
                await socket.SendAsync(welcome, WebSocketMessageType.Text, endOfMessage: true, http.RequestAborted);
            }
            pump = Task.Run(() => session.RunAsync(door.Replay.PlanAsync(registration)));
            // Once the session has closed the socket, the peer has the close timeout to answer.
            _ = session.Completion.ContinueWith(_ => CancelLater(receiving), TaskScheduler.Default);
            expiry.Set(handshake.Identity.ExpiresAt);
            ending = await ReceiveAsync(reader, session, dialect.Converse(session, responses, door), responses, expiry, receiving.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            try
            {
                await session.EndAsync(ending, pump);
                // Also reads the pong to the session's last ping, when the relay is the one closing (a GOODBYE too). An
                // agent that sent a close frame itself confirms nothing more: a browser drops whatever arrives after it
                // calls close(), read by its socket or not, so only what its pongs confirmed counts.
                await RawClose.AwaitPeerCloseAsync(socket, reader, null, door.CloseTimeout);
            }
            finally
            {
                door.Registry.Unregister(session);
                door.Logger.LogInformation("Agent {Agent} disconnected from raw WebSocket: {Reason}", session.AgentId, session.CloseReason?.Code);
                session.MarkFinished();
            }
        }
    }

    private void CancelLater(CancellationTokenSource cts)
    {
        try
        {
            cts.CancelAfter(door.CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The connection already finished.
        }
    }

    /// <summary>Frames in, until the peer closes, says GOODBYE, breaks a fatal rule, or the session ends.</summary>
    private async Task<RelayError> ReceiveAsync(
        FrameReader reader, RawSession session, IConversation conversation, ResponseChain responses, ExpiryTimer expiry, CancellationToken ct)
    {
        var dialect = session.Dialect;
        while (true)
        {
            await responses.RoomAsync().WaitAsync(ct);
            var status = await reader.ReadAsync(ct);
            if (session.CloseReason is { } closed)
            {
                return closed;
            }
            session.Touch();
            switch (status)
            {
                case FrameStatus.Closed:
                    return RawErrors.Closed;
                case FrameStatus.TooLarge:
                    return RawErrors.FrameTooLarge(door.Limits.MaxFrameBytes);
                case FrameStatus.Binary:
                    responses.Error(RawErrors.Binary);
                    continue;
            }

            string? id = null;
            try
            {
                using var document = Parse(reader.Payload);
                var frame = RequireObject(document.RootElement);
                id = FrameFields.IdOrNull(frame, dialect.IdField, door.Limits.MaxMessageIdLength);
                var type = FrameFields.RequiredString(frame, dialect.TypeField);
                if (dialect.IsAuth(type))
                {
                    if (await RefreshAsync(frame, session, expiry, ct) is { } refused)
                    {
                        return refused;
                    }
                    continue;
                }
                RequireSender(frame, session);
                if (conversation.Handle(frame, type, id) == FrameAction.Goodbye)
                {
                    await responses.Completion;
                    return RawErrors.Goodbye;
                }
            }
            catch (JsonException)
            {
                responses.Error(RawErrors.MalformedJson);
            }
            catch (RelayException ex)
            {
                responses.Error(ex.Error with { MessageId = id });
            }
        }
    }

    /// <summary>A later auth frame: a fresh token for the same agent moves the expiry; a failed one ends the session.</summary>
    private async Task<RelayError?> RefreshAsync(JsonElement frame, RawSession session, ExpiryTimer expiry, CancellationToken ct)
    {
        var token = FrameFields.RequiredString(frame, "token");
        AgentIdentity refreshed;
        try
        {
            // Judged against the session's agent: a token for another agent is refused with SENDER_MISMATCH.
            refreshed = await door.Identity.AuthenticateRawAsync(http, session.AgentId, token, ct);
        }
        catch (RelayException ex)
        {
            return ex.Error with { Recoverable = false };
        }
        expiry.Set(refreshed.ExpiresAt);
        return null;
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> payload) =>
        JsonText.HasLoneSurrogate(payload.Span) ? throw new RelayException(RawErrors.LoneSurrogate) : JsonDocument.Parse(payload);

    private static JsonElement RequireObject(JsonElement frame) =>
        frame.ValueKind == JsonValueKind.Object ? frame : throw new RelayException(RawErrors.NotAnObject);

    private static void RequireSender(JsonElement frame, RawSession session)
    {
        if (frame.TryGetProperty(session.Dialect.SenderField, out var sender)
            && sender.ValueKind != JsonValueKind.Null
            && !(sender.ValueKind == JsonValueKind.String && sender.ValueEquals(session.AgentId)))
        {
            throw new RelayException(RawErrors.SenderMismatch);
        }
    }

    /// <summary>Before the session's pump exists the connection writes for itself.</summary>
    private ValueTask SendDirectAsync(IRawDialect? dialect, RelayError error) =>
        socket.SendAsync(EncodeError(dialect, error).AsMemory(), WebSocketMessageType.Text, endOfMessage: true, http.RequestAborted);

    private async Task RefuseAsync(FrameReader reader, IRawDialect? dialect, RelayError error, Task<FrameStatus>? pendingRead)
    {
        await RawClose.SendAsync(socket, EncodeError(dialect, error), error, door.CloseTimeout);
        await RawClose.AwaitPeerCloseAsync(socket, reader, pendingRead, door.CloseTimeout);
    }

    private static byte[] EncodeError(IRawDialect? dialect, RelayError error) =>
        dialect?.EncodeError(error) ?? DialectDetector.EncodeError(error);
}
