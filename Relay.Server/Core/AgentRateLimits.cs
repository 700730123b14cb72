using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// What one agent may ask of the relay per second, shared by every door: messages sent, and rows of history read.
/// </summary>
public sealed class AgentRateLimits : IDisposable
{
    private readonly PerAgentTokenBucket _sends;
    private readonly PerAgentTokenBucket _historyRows;

    public AgentRateLimits(IOptions<RelayOptions> options)
    {
        var limits = options.Value.Limits;
        _sends = new PerAgentTokenBucket(limits.MessagesPerSecond, limits.Burst);
        // One request for the most rows a page may hold must always be possible.
        _historyRows = new PerAgentTokenBucket(limits.HistoryRowsPerSecond, Math.Max(limits.HistoryRowsBurst, limits.MaxHistoryLimit));
    }

    /// <summary>Throws <c>RATE_LIMITED</c> when the agent has used up its burst of messages.</summary>
    public void TakeSend(string agent)
    {
        if (!_sends.TryTake(agent, 1))
        {
            throw new RelayException(ErrorCodes.RateLimited, "Too many messages; slow down and resend.");
        }
    }

    /// <summary>Throws <c>RATE_LIMITED</c> when a history page of <paramref name="rows"/> would exceed the agent's read budget.</summary>
    public void TakeHistory(string agent, int rows)
    {
        if (!_historyRows.TryTake(agent, rows))
        {
            throw new RelayException(ErrorCodes.RateLimited, "Too many history rows asked for; slow down, or ask for smaller pages, and ask again.");
        }
    }

    public void Dispose()
    {
        _sends.Dispose();
        _historyRows.Dispose();
    }
}
