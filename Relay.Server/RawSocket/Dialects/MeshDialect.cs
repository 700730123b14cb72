using System.Text.Json;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket.Dialects;

/// <summary>The mesh dialect (seed 001): presence, heartbeat, broadcast, direct, stream, ack, turn_end, error.</summary>
public sealed class MeshDialect : IRawDialect
{
    public string Protocol => "mesh";
    public int EncodingSlot => EncodingSlots.Mesh;
    public string TypeField => "type";
    public string SenderField => "from";
    public string IdField => "id";
    public bool ReapsSilentAgents => true;
    public bool AnnouncesOthersOnline => true;

    public bool IsAuth(string type) => type == "auth";

    public Func<Envelope, byte[]> EncodeEnvelope { get; } = MeshFrames.Envelope;

    public Func<PresenceChange, byte[]> EncodePresence { get; } = static change => MeshFrames.Presence(change.Presence);

    public byte[] EncodeError(RelayError error) => MeshFrames.Error(error);

    public Identification Identify(JsonElement frame, string type) => type == "presence"
        ? new Identification(
            FrameFields.RequiredString(frame, SenderField),
            FrameFields.OptionalString(frame, "token"),
            FrameFields.OptionalNonNegative(frame, "resume_from_seq"),
            FrameFields.OptionalValue(frame, "data"))
        : throw new RelayException(ErrorCodes.HandshakeRequired, $"Send presence first (optionally after auth), not {type}.");

    public byte[]? Welcome(RawSession session, int connectedAgents) => null;

    public IConversation Converse(RawSession session, ResponseChain responses, RawSocketDoor door) =>
        new MeshConversation(session, responses, door);
}
