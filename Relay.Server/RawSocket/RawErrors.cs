using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.RawSocket;

/// <summary>The errors the raw door raises itself, each naming the problem.</summary>
public static class RawErrors
{
    public static readonly RelayError MalformedJson = new()
    {
        Code = ErrorCodes.MalformedJson,
        Message = "The frame is not valid JSON; it was ignored.",
    };

    public static readonly RelayError LoneSurrogate = new()
    {
        Code = ErrorCodes.InvalidMessage,
        Message = JsonText.LoneSurrogateMessage,
    };

    public static readonly RelayError NotAnObject = new()
    {
        Code = ErrorCodes.InvalidMessage,
        Message = "A frame must be a JSON object; it was ignored.",
    };

    public static readonly RelayError Binary = new()
    {
        Code = ErrorCodes.BinaryNotSupported,
        Message = "Binary frames are not supported; send JSON as text frames.",
    };

    public static readonly RelayError SenderMismatch = new()
    {
        Code = ErrorCodes.SenderMismatch,
        Message = "The frame names a sender other than this connection's agent; it was not relayed.",
    };

    public static readonly RelayError HandshakeTimeout = new()
    {
        Code = ErrorCodes.HandshakeTimeout,
        Message = "No HELLO or presence frame arrived in time.",
        Recoverable = false,
    };

    public static readonly RelayError Silent = new()
    {
        Code = ErrorCodes.HeartbeatTimeout,
        Message = "Nothing arrived from this agent for too long; send heartbeats.",
        Recoverable = false,
    };

    public static readonly RelayError TokenExpired = new()
    {
        Code = ErrorCodes.TokenExpired,
        Message = "The access token expired; reconnect with a fresh one, or send an auth frame before expiry.",
        Recoverable = false,
    };

    public static readonly RelayError Goodbye = new()
    {
        Code = CloseCodes.Goodbye,
        Message = "Goodbye.",
        Recoverable = false,
    };

    public static readonly RelayError Closed = new()
    {
        Code = CloseCodes.Closed,
        Message = "The connection was closed.",
        Recoverable = false,
    };

    public static readonly RelayError ConnectionLost = new()
    {
        Code = CloseCodes.ConnectionLost,
        Message = "The connection was lost.",
        Recoverable = false,
    };

    public static RelayError FrameTooLarge(int maxBytes) => new()
    {
        Code = ErrorCodes.FrameTooLarge,
        Message = $"A frame may be at most {maxBytes} bytes.",
        Recoverable = false,
    };
}
