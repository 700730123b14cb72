using System.Text.Json;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket.Dialects;

/// <summary>One JSON dialect of the raw door: how its frames are named, read and written.</summary>
public interface IRawDialect
{
    /// <summary>The protocol name the relay records for the agent (<c>v0.3</c>, <c>mesh</c>).</summary>
    string Protocol { get; }

    /// <summary>Where relayed envelopes encoded in this dialect are cached (<see cref="Core.EncodingSlots"/>).</summary>
    int EncodingSlot { get; }

    /// <summary>The field that names a frame's type.</summary>
    string TypeField { get; }

    /// <summary>The field that names a frame's sender; when present it must be the session's agent.</summary>
    string SenderField { get; }

    /// <summary>The field that holds a frame's message id; an error refusing the frame names it.</summary>
    string IdField { get; }

    /// <summary>Mesh agents are reaped after a silence; v0.3 agents are kept alive by WebSocket pings.</summary>
    bool ReapsSilentAgents { get; }

    /// <summary>Whether a newcomer is sent the presence of every agent already online.</summary>
    bool AnnouncesOthersOnline { get; }

    bool IsAuth(string type);

    Func<Envelope, byte[]> EncodeEnvelope { get; }

    Func<PresenceChange, byte[]> EncodePresence { get; }

    byte[] EncodeError(RelayError error);

    /// <summary>Reads the frame that names the agent, or throws <c>HANDSHAKE_REQUIRED</c> for any other.</summary>
    Identification Identify(JsonElement frame, string type);

    /// <summary>The reply to the identifying frame, sent before anything else (v0.3 WELCOME), or null.</summary>
    byte[]? Welcome(RawSession session, int connectedAgents);

    IConversation Converse(RawSession session, ResponseChain responses, RawSocketDoor door);
}

/// <summary>What an identifying frame (HELLO, presence) says.</summary>
public sealed record Identification(string Agent, string? Token, long? ResumeFrom, JsonElement? Metadata);

/// <summary>Handles the frames of one identified connection.</summary>
public interface IConversation
{
    /// <summary>
    /// Acts on one frame; a refusal is thrown as a <c>RelayException</c> and answered with an error frame naming
    /// <paramref name="id"/> (the frame's id, when it has a readable one), as is a refusal that comes later.
    /// </summary>
    FrameAction Handle(JsonElement frame, string type, string? id);
}

public enum FrameAction
{
    Continue,
    Goodbye,
}
