using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;

namespace SignalRelay.Tests.Core;

/// <summary>
/// <c>MessagesPerSecond</c> is the rate an agent may keep up and <c>Burst</c> how far ahead of it it may run: an agent
/// that sends below the rate is never refused, whatever the burst, and whatever the rate within its range.
/// </summary>
public sealed class RateBudgetTests
{
    // A burst smaller than a tenth of the rate, and a rate that is no multiple of ten. The gap between one send's ACK and
    // the next send leaves room for the loopback's jitter, and a rate the old buckets (10 a second) did not keep.
    [TestCase(100, 1, 30)]
    [TestCase(19, 2, 70)]
    public async Task An_agent_sending_below_its_rate_is_never_refused(int perSecond, int burst, int gapMilliseconds)
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MessagesPerSecond"] = perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Relay:Limits:Burst"] = burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var sender = await relay.ConnectAsync("steady");
        var content = JsonSerializer.SerializeToElement(new { text = "steady" });

        var refused = new List<string>();
        var clock = Stopwatch.StartNew();
        const int count = 30;
        for (var i = 0; i < count; i++)
        {
            // The pace is the scenario: an agent that waits this long between messages.
            await Task.Delay(gapMilliseconds);
            try
            {
                await sender.BroadcastAsync(content, $"m{i}");
            }
            catch (HubException ex) when (ex.Message.Contains(ErrorCodes.RateLimited, StringComparison.Ordinal))
            {
                refused.Add($"m{i} at {clock.ElapsedMilliseconds} ms");
            }
        }

        Assert.That(refused, Is.Empty, $"{count} messages {gapMilliseconds} ms apart against a budget of {perSecond}/s, burst {burst}");
    }
}
