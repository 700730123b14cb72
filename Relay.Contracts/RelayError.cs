using System.Text.Json.Serialization;

namespace SignalRelay.Contracts;

/// <summary>An error or notice from the relay itself.</summary>
public sealed record RelayError
{
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }

    /// <summary>True when the connection stays open and the agent may go on.</summary>
    [JsonPropertyName("recoverable")] public bool Recoverable { get; init; } = true;

    /// <summary>With <c>RESUME_TOO_OLD</c>: the oldest seq the relay still holds.</summary>
    [JsonPropertyName("oldest_seq")] public long? OldestSeq { get; init; }

    /// <summary>On the raw doors: the id of the frame refused, when it named one, so the agent knows what to resend.</summary>
    [JsonPropertyName("message_id")] public string? MessageId { get; init; }
}

public static class ErrorCodes
{
    public const string ResumeTooOld = "RESUME_TOO_OLD";
    public const string ReplayTruncated = "REPLAY_TRUNCATED";
    public const string SessionReplaced = "SESSION_REPLACED";
    public const string SlowConsumer = "SLOW_CONSUMER";
    public const string ServerShutdown = "SERVER_SHUTDOWN";
    public const string StoreUnavailable = "STORE_UNAVAILABLE";
    public const string InvalidMessage = "INVALID_MESSAGE";
    public const string MalformedJson = "MALFORMED_JSON";
    public const string UnknownType = "UNKNOWN_TYPE";
    public const string MissingField = "MISSING_FIELD";
    public const string FrameTooLarge = "FRAME_TOO_LARGE";
    public const string BinaryNotSupported = "BINARY_NOT_SUPPORTED";
    public const string HandshakeRequired = "HANDSHAKE_REQUIRED";
    public const string HandshakeTimeout = "HANDSHAKE_TIMEOUT";
    public const string SenderMismatch = "SENDER_MISMATCH";
    public const string RateLimited = "RATE_LIMITED";
    public const string AuthRequired = "AUTH_REQUIRED";
    public const string InvalidToken = "INVALID_TOKEN";
    public const string TokenExpired = "TOKEN_EXPIRED";
    public const string AuthUnavailable = "AUTH_UNAVAILABLE";
    public const string InvalidAgentId = "INVALID_AGENT_ID";
    public const string HeartbeatTimeout = "HEARTBEAT_TIMEOUT";
    public const string InternalError = "INTERNAL_ERROR";

    /// <summary>A hub stream refused: its connection has as many streams open as <c>Relay:Limits:MaxOpenStreams</c> allows.</summary>
    public const string TooManyStreams = "TOO_MANY_STREAMS";

    /// <summary>The content of the <c>error</c> envelope that ends a hub stream cut off before its <c>turn_end</c>.</summary>
    public const string StreamAborted = "STREAM_ABORTED";
}
