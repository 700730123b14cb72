using System.Net.WebSockets;
using SignalRelay.Contracts;

namespace SignalRelay.Server.RawSocket;

/// <summary>The WebSocket close code for each reason a raw session ends.</summary>
public static class CloseCodes
{
    /// <summary>The client said GOODBYE.</summary>
    public const string Goodbye = "GOODBYE";

    /// <summary>The reason the core and the door use when the peer closed or went away.</summary>
    public const string Closed = "CLOSED";

    public const string ConnectionLost = "CONNECTION_LOST";

    /// <summary>True when the session ended normally: no error frame is sent, only the close.</summary>
    public static bool IsNormal(RelayError reason) => reason.Code is Goodbye or Closed or ConnectionLost;

    public static WebSocketCloseStatus For(RelayError reason) => reason.Code switch
    {
        Goodbye or Closed or ConnectionLost or ErrorCodes.SessionReplaced => WebSocketCloseStatus.NormalClosure,
        ErrorCodes.ServerShutdown => WebSocketCloseStatus.EndpointUnavailable,
        ErrorCodes.FrameTooLarge => WebSocketCloseStatus.MessageTooBig,
        ErrorCodes.StoreUnavailable or ErrorCodes.InternalError => WebSocketCloseStatus.InternalServerError,
        // Auth failures, token expiry, handshake timeout, silence, a slow reader: the peer broke a rule.
        _ => WebSocketCloseStatus.PolicyViolation,
    };
}
