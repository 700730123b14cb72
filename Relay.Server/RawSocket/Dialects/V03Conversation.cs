using System.Text.Json;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket.Dialects;

/// <summary>The frames of an identified v0.3 agent. Every request gets its reply in request order.</summary>
public sealed class V03Conversation(RawSession session, ResponseChain responses, RawSocketDoor door) : IConversation
{
    public FrameAction Handle(JsonElement frame, string type, string? id)
    {
        switch (type)
        {
            case "MESSAGE":
                Send(frame, id);
                return FrameAction.Continue;
            case "PING":
                door.Registry.Touch(session);
                responses.Send(V03Frames.Pong(door.Clock.GetUtcNow()));
                return FrameAction.Continue;
            case "REQUEST_HISTORY":
                History(frame);
                return FrameAction.Continue;
            case "GOODBYE":
                return FrameAction.Goodbye;
            case "HELLO":
                throw new RelayException(ErrorCodes.InvalidMessage, "This connection already said HELLO; open a new one to speak for another agent.");
            default:
                throw new RelayException(ErrorCodes.UnknownType,
                    $"Unknown message_type '{type}'; expected MESSAGE, PING, REQUEST_HISTORY, GOODBYE or AUTH.");
        }
    }

    /// <summary>A MESSAGE is kind <c>message</c>; with <c>recipient</c> it goes to that agent only.</summary>
    private void Send(JsonElement frame, string? id)
    {
        var request = new SendRequest
        {
            Id = FrameFields.OptionalId(frame, "message_id"),
            To = FrameFields.OptionalString(frame, "recipient"),
            Kind = EnvelopeKinds.Message,
            Content = FrameFields.RequiredValue(frame, "content"),
            SentAt = FrameFields.OptionalTimestamp(frame, "timestamp"),
        };
        responses.After(door.Bus.PublishAsync(session.AgentId, request), V03Frames.Ack, id);
    }

    private void History(JsonElement frame)
    {
        var query = new HistoryQuery
        {
            SinceSeq = FrameFields.OptionalNonNegative(frame, "since_seq"),
            SinceTime = FrameFields.OptionalTime(frame, "since_timestamp"),
            Limit = FrameFields.OptionalNonNegative(frame, "limit") is { } limit ? (int)Math.Min(limit, int.MaxValue) : null,
        };
        responses.AfterPrevious(() => door.Bus.HistoryAsync(session.AgentId, session.AgentId, query), V03Frames.History);
    }
}
