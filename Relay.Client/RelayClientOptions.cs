using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace SignalRelay.Client;

public sealed class RelayClientOptions
{
    /// <summary>The relay's base address, e.g. <c>http://localhost:8080</c> or <c>wss://relay.example.com</c>.</summary>
    public required Uri ServerUrl { get; init; }

    /// <summary>The agent this client speaks for. With auth on it must match the token's agent claim.</summary>
    public required string AgentId { get; init; }

    /// <summary>
    /// Called on every connect and reconnect; its token is sent as a bearer token. Waited for within <see cref="ConnectTimeout"/>.
    /// </summary>
    public Func<Task<string?>>? AccessTokenProvider { get; init; }

    /// <summary>Announced to everyone after every (re)connect.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>Start after this seq instead of the relay's stored cursor for the agent.</summary>
    public long? ResumeFromSeq { get; init; }

    /// <summary>Waits between reconnect attempts; the last one repeats until the client is disposed.</summary>
    public IReadOnlyList<TimeSpan> ReconnectDelays { get; init; } =
        [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// How long one connect or reconnect attempt may take to get its token and open its WebSocket. A server or proxy that
    /// accepts the TCP connection and never answers, or a token provider that never returns, would otherwise hold the
    /// attempt, every reconnect after it and the client's dispose, for good.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public ILoggerFactory? LoggerFactory { get; init; }
}
