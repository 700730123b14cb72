using System.Text.Json;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket.Dialects;

/// <summary>The v0.3 dialect (seed 000): HELLO/WELCOME, MESSAGE/ACK, PING/PONG, REQUEST_HISTORY, GOODBYE.</summary>
public sealed class V03Dialect(int heartbeatSeconds) : IRawDialect
{
    public string Protocol => "v0.3";
    public int EncodingSlot => EncodingSlots.V03;
    public string TypeField => "message_type";
    public string SenderField => "sender";
    public string IdField => "message_id";
    public bool ReapsSilentAgents => false;
    public bool AnnouncesOthersOnline => false;

    public bool IsAuth(string type) => type == "AUTH";

    public Func<Envelope, byte[]> EncodeEnvelope { get; } = V03Frames.Message;

    public Func<PresenceChange, byte[]> EncodePresence { get; } = V03Frames.Presence;

    public byte[] EncodeError(RelayError error) => V03Frames.Error(error);

    public Identification Identify(JsonElement frame, string type) => type == "HELLO"
        ? new Identification(
            FrameFields.RequiredString(frame, SenderField),
            FrameFields.OptionalString(frame, "token"),
            FrameFields.OptionalNonNegative(frame, "resume_from_seq"),
            FrameFields.OptionalValue(frame, "capabilities"))
        : throw new RelayException(ErrorCodes.HandshakeRequired, $"Say HELLO first (optionally after AUTH), not {type}.");

    public byte[]? Welcome(RawSession session, int connectedAgents) =>
        V03Frames.Welcome(session.SessionId, heartbeatSeconds, connectedAgents);

    public IConversation Converse(RawSession session, ResponseChain responses, RawSocketDoor door) =>
        new V03Conversation(session, responses, door);
}
