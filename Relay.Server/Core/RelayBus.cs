using System.Text.Json;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>The relay's one entry point for every door: send, history, agents, announcements.</summary>
public sealed class RelayBus(
    CommitPipeline pipeline,
    IMessageStore store,
    SessionRegistry registry,
    AgentRateLimits rateLimits,
    TimeProvider clock,
    IOptions<RelayOptions> options,
    StoreFailureLog failures)
{
    private static readonly JsonElement NullContent = JsonElement.Parse("null");

    private readonly LimitOptions _limits = options.Value.Limits;

    /// <summary>
    /// Validates and queues a message from <paramref name="from"/> (the session's agent, never the frame's claim).
    /// The returned task completes with the ACK once the message is committed.
    /// </summary>
    public Task<SendAck> PublishAsync(string from, SendRequest request, CancellationToken ct = default)
    {
        PendingPublish pending;
        try
        {
            pending = new PendingPublish(Validate(from, request, idMadeByRelay: false));
            rateLimits.TakeSend(from);
        }
        catch (Exception ex)
        {
            return Task.FromException<SendAck>(ex);
        }
        return Submit(pending, ct);
    }

    /// <summary>
    /// Checks a stream's part and waits for the sender's budget: unlike <see cref="PublishAsync"/>, a sender past its
    /// budget waits instead of being refused, so a stream is slowed down rather than cut off halfway. Its ids are the
    /// relay's, so not held to <c>MaxMessageIdLength</c>. <see cref="SubmitPaced"/> then queues the part.
    /// </summary>
    public async Task<PendingPublish> PacedAsync(string from, SendRequest request, CancellationToken ct)
    {
        var pending = new PendingPublish(Validate(from, request, idMadeByRelay: true));
        await rateLimits.TakeSendAsync(from, ct);
        return pending;
    }

    /// <summary>
    /// Queues a part checked by <see cref="PacedAsync"/> for commit before it returns (its place in the bus is then fixed)
    /// and completes with its ACK on the thread pool, since the caller goes on to read and check the stream's next part.
    /// </summary>
    public Task<SendAck> SubmitPaced(PendingPublish pending, CancellationToken ct) => OffTheCommitLoop.ResultAsync(Submit(pending, ct));

    private Task<SendAck> Submit(PendingPublish pending, CancellationToken ct)
    {
        ValueTask submitted;
        try
        {
            submitted = pipeline.SubmitAsync(pending, ct);
        }
        catch (Exception ex)
        {
            return Task.FromException<SendAck>(ex);
        }
        // The inbox almost always has room: then the ACK task is returned as it is, with no extra state machine.
        return submitted.IsCompletedSuccessfully ? pending.Acknowledged : AfterSubmitAsync(submitted, pending);
    }

    private static async Task<SendAck> AfterSubmitAsync(ValueTask submitted, PendingPublish pending)
    {
        await submitted;
        return await pending.Acknowledged;
    }

    /// <summary>
    /// History as <paramref name="viewer"/> may see it (<see cref="IMessageStore.HistoryAsync"/>). A negative bound is refused
    /// (<c>INVALID_MESSAGE</c>) rather than read as "from the start", whichever door it came through. The page's
    /// rows, as asked for, count against <paramref name="reader"/>'s read budget: the viewer's own, but over HTTP with
    /// auth off, where each request may name a viewer anew, the client's (<see cref="Identity.AgentIdentityResolver.HttpReader"/>).
    /// </summary>
    public Task<IReadOnlyList<Envelope>> HistoryAsync(string viewer, string reader, HistoryQuery query, CancellationToken ct = default)
    {
        try
        {
            if (query.SinceSeq < 0 || query.Limit < 0)
            {
                throw new RelayException(ErrorCodes.InvalidMessage,
                    query.SinceSeq < 0 ? "'since_seq' must not be negative." : "'limit' must not be negative.");
            }
            var limit = Math.Clamp(query.Limit ?? _limits.DefaultHistoryLimit, 1, _limits.MaxHistoryLimit);
            rateLimits.TakeHistory(reader, limit);
            return StoreReads.GuardAsync(store.HistoryAsync(viewer, query, limit, ct), "its history", failures);
        }
        catch (RelayException ex)
        {
            return Task.FromException<IReadOnlyList<Envelope>>(ex);
        }
    }

    /// <summary>
    /// A page of the agents the relay knows (<see cref="SessionRegistry.AgentPage"/>); each agent listed counts against
    /// <paramref name="reader"/>'s read budget.
    /// </summary>
    public IReadOnlyList<AgentInfo> Agents(string reader, string? after)
    {
        var page = registry.AgentPage(after);
        if (page.Count > 0)
        {
            rateLimits.TakeAgentList(reader, page.Count);
        }
        return page;
    }

    /// <summary>
    /// Replaces the session's metadata and tells everyone online. Each announcement reaches every agent, so it counts
    /// against the sender's message budget like a broadcast.
    /// </summary>
    public void Announce(RelaySession session, JsonElement? metadata)
    {
        rateLimits.TakeSend(session.AgentId);
        registry.Announce(session, metadata);
    }

    /// <summary>
    /// Checks a message and makes its envelope. <c>MaxMessageIdLength</c> bounds the ids clients give: an id the relay
    /// makes (32 characters, more for a stream's parts) is not held to it, or a limit set below that refused every
    /// message sent without an id and every hub stream.
    /// </summary>
    private Envelope Validate(string from, SendRequest? request, bool idMadeByRelay)
    {
        if (request is null)
        {
            throw new RelayException(ErrorCodes.InvalidMessage, "A send needs a message object.");
        }
        // Time-ordered, so a generated id lands at the end of the (id, from) unique index: random ones land
        // anywhere in it and double the store's cost per message (docs/performance.md, eighth round).
        var given = !string.IsNullOrEmpty(request.Id) && !idMadeByRelay;
        var id = string.IsNullOrEmpty(request.Id) ? Guid.CreateVersion7().ToString("N") : request.Id;
        if (given && id.Length > _limits.MaxMessageIdLength)
        {
            throw new RelayException(ErrorCodes.InvalidMessage, $"Message id is longer than {_limits.MaxMessageIdLength} characters.");
        }
        if (!JsonText.IsUtf8(request.Content))
        {
            throw new RelayException(ErrorCodes.InvalidMessage, $"The content is not text. {JsonText.NotUtf8Message}");
        }
        if (JsonText.HasLoneSurrogate(id) || JsonText.HasLoneSurrogate(request.Content))
        {
            throw new RelayException(ErrorCodes.InvalidMessage, JsonText.LoneSurrogateMessage);
        }
        if (JsonText.NestsDeeperThan(request.Content, JsonText.MaxNesting))
        {
            throw new RelayException(ErrorCodes.InvalidMessage, $"The content is too deep. {JsonText.TooDeepMessage}");
        }
        if (request.To is not null && !AgentIds.IsValid(request.To, _limits.MaxAgentIdLength))
        {
            throw new RelayException(ErrorCodes.InvalidMessage, "Recipient is not a valid agent id.");
        }
        if (request.To is not null && AgentIds.IsRelayName(request.To))
        {
            throw new RelayException(ErrorCodes.InvalidMessage, $"Recipient '{request.To}' is the relay's own name; no agent receives there.");
        }
        var kind = request.Kind ?? (request.To is null ? EnvelopeKinds.Broadcast : EnvelopeKinds.Direct);
        if (!EnvelopeKinds.IsRelayable(kind))
        {
            throw new RelayException(ErrorCodes.UnknownType, $"Kind '{kind}' cannot be relayed.");
        }
        if (kind == EnvelopeKinds.Direct && request.To is null)
        {
            throw new RelayException(ErrorCodes.MissingField, "A direct message needs a recipient.");
        }
        // Size is bounded by each door's frame limit before the request gets here. A message without content carries
        // null: an undefined element cannot be written, and would fail every receiver it was sent to.
        var content = request.Content.ValueKind == JsonValueKind.Undefined ? NullContent : request.Content;

        return new Envelope
        {
            Id = id,
            Kind = kind,
            From = from,
            To = request.To,
            Content = content,
            SentAt = request.SentAt,
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds()),
        };
    }
}
