using System.Text.Json;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket.Dialects;

/// <summary>
/// The frames of an identified mesh agent. Relayed types are stored with the mesh type as the envelope
/// kind and <c>data</c> as the content; the relay answers only when it refuses one.
/// </summary>
public sealed class MeshConversation(RawSession session, ResponseChain responses, RawSocketDoor door) : IConversation
{
    public FrameAction Handle(JsonElement frame, string type, string? id)
    {
        switch (type)
        {
            case "heartbeat":
                door.Registry.Touch(session);
                break;
            case "presence":
                door.Bus.Announce(session, FrameFields.OptionalValue(frame, "data"));
                break;
            case EnvelopeKinds.Direct:
                Relay(frame, type, FrameFields.RequiredString(frame, "to"), id);
                break;
            case EnvelopeKinds.Broadcast or EnvelopeKinds.Stream or EnvelopeKinds.Ack or EnvelopeKinds.TurnEnd or EnvelopeKinds.Error:
                // Extension: a 'to' narrows these to one agent.
                Relay(frame, type, FrameFields.OptionalString(frame, "to"), id);
                break;
            default:
                throw new RelayException(ErrorCodes.UnknownType,
                    $"Unknown type '{type}'; expected presence, heartbeat, broadcast, direct, stream, ack, turn_end, error or auth.");
        }
        return FrameAction.Continue;
    }

    private void Relay(JsonElement frame, string type, string? to, string? id)
    {
        var request = new SendRequest
        {
            Id = FrameFields.OptionalId(frame, "id"),
            To = to,
            Kind = type,
            Content = FrameFields.OptionalValue(frame, "data") ?? default,
            SentAt = FrameFields.OptionalTimestamp(frame, "timestamp"),
        };
        responses.After(door.Bus.PublishAsync(session.AgentId, request), NoReply, id);
    }

    private static byte[]? NoReply(SendAck ack) => null;
}
