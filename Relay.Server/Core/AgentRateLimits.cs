using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// What one agent may ask of the relay per second, shared by every door: messages sent, and rows read (history pages
/// and agent lists). Reads over HTTP with auth off count against the client's address instead
/// (<see cref="Operations.ClientAddress.BudgetKey"/>), which no agent can name.
/// </summary>
public sealed class AgentRateLimits : IDisposable
{
    private readonly PerAgentTokenBucket _sends;
    private readonly PerAgentTokenBucket _readRows;

    public AgentRateLimits(IOptions<RelayOptions> options)
    {
        var limits = options.Value.Limits;
        _sends = new PerAgentTokenBucket(limits.MessagesPerSecond, limits.Burst);
        _readRows = new PerAgentTokenBucket(limits.ReadRowsPerSecond, limits.ReadRowsBurst);
    }

    /// <summary>Throws <c>RATE_LIMITED</c> when the agent has used up its burst of messages.</summary>
    public void TakeSend(string agent) => Take(_sends, agent, 1, "Too many messages; slow down and resend.");

    /// <summary>Takes one message from the agent's budget, waiting for a refill when it is spent.</summary>
    public ValueTask TakeSendAsync(string agent, CancellationToken ct) => _sends.TakeAsync(agent, 1, ct);

    /// <summary>Throws <c>RATE_LIMITED</c> when a history page of <paramref name="rows"/> would exceed the agent's read budget.</summary>
    public void TakeHistory(string agent, int rows) =>
        Take(_readRows, agent, rows, "Too many history rows asked for; slow down, or ask for smaller pages, and ask again.");

    /// <summary>
    /// Counts replayed messages the agent had already (a resume point below its cursor) against its read budget, and
    /// waits for the budget when it is spent rather than refuse: what the client asks to see again is slowed, never
    /// withheld. What the agent missed is not counted.
    /// </summary>
    public ValueTask TakeReplayAsync(string agent, int rows, CancellationToken ct) => _readRows.TakeAsync(agent, rows, ct);

    /// <summary>Throws <c>RATE_LIMITED</c> when a list of <paramref name="agents"/> would exceed the agent's read budget.</summary>
    public void TakeAgentList(string agent, int agents) => Take(_readRows, agent, agents, "Agents listed too often; slow down and ask again.");

    private static void Take(PerAgentTokenBucket bucket, string agent, int tokens, string refusal)
    {
        if (!bucket.TryTake(agent, tokens))
        {
            throw new RelayException(ErrorCodes.RateLimited, refusal);
        }
    }

    public void Dispose()
    {
        _sends.Dispose();
        _readRows.Dispose();
    }
}
