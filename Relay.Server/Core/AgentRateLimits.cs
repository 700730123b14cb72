using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// What one agent may ask of the relay per second, shared by every door: messages sent, and rows read (history pages
/// and agent lists).
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
        if (!_readRows.TryTake(agent, rows))
        {
            throw new RelayException(ErrorCodes.RateLimited, "Too many history rows asked for; slow down, or ask for smaller pages, and ask again.");
        }
    }

    /// <summary>Throws <c>RATE_LIMITED</c> when a list of <paramref name="agents"/> would exceed the agent's read budget.</summary>
    public void TakeAgentList(string agent, int agents)
    {
        if (!_readRows.TryTake(agent, agents))
        {
            throw new RelayException(ErrorCodes.RateLimited, "Agents listed too often; slow down and ask again.");
        }
    }

    public void Dispose()
    {
        _sends.Dispose();
        _readRows.Dispose();
    }
}
