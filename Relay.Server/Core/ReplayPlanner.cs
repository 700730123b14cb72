using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Core;

/// <summary>
/// What a newly registered session is sent before live traffic: the presence of everyone online,
/// a notice when retention or the replay cap cost it messages, then what it missed, oldest first. Its
/// cursor then moves to the head of the bus at registration, even when none of that was for it: a new
/// agent that reconnects must not be sent the broadcasts from before it existed. Messages a resume point makes it send
/// again count against the agent's read budget (<see cref="AgentRateLimits.TakeReplayAsync"/>). A store that fails to
/// answer ends the plan with <c>STORE_UNAVAILABLE</c>: the agent's cursor stays where it was, so it is sent all of it
/// on a later connection.
/// </summary>
public sealed class ReplayPlanner(IMessageStore store, AgentRateLimits rateLimits, IOptions<RelayOptions> options, StoreFailureLog failures)
{
    private const int PageSize = 256;

    public async IAsyncEnumerable<Outbound> PlanAsync(Registration registration, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (registration.Range.DirectsAfter < registration.Range.BroadcastsAfter)
        {
            // A new agent: nothing before the first direct waiting for it is for it. Said first, so a first
            // connection that breaks early leaves a cursor there, not at 0 (which would replay the whole bus).
            var page = await ReadAsync(store.BacklogAsync(registration.Range, 1, ct));
            // Not past messages retention removed that the backlog tells of: a connection that drops before it reads that
            // notice must leave the cursor below them, so the next one is told.
            if (RemovedAfter(ToldAfter(registration, registration.Range, firstPage: true), page.HeldFrom) is null)
            {
                yield return new CaughtUpOut(page.Messages.Count > 0 ? page.Messages[0].Seq - 1 : registration.Range.UpTo);
            }
        }
        foreach (var presence in registration.OthersOnline)
        {
            yield return new PresenceOut(new PresenceChange(presence, Number: 0));
        }
        await foreach (var item in BacklogAsync(registration, ct))
        {
            yield return item;
        }
        yield return new CaughtUpOut(registration.Range.UpTo);
    }

    private async IAsyncEnumerable<Outbound> BacklogAsync(Registration registration, [EnumeratorCancellation] CancellationToken ct)
    {
        var range = registration.Range;
        if (range.UpTo <= Math.Min(range.DirectsAfter, range.BroadcastsAfter))
        {
            yield break;
        }

        var cap = options.Value.Limits.MaxReplayMessages;
        if (await ReadAsync(store.BacklogCutoffAsync(range, cap, ct)) is { } cutoff)
        {
            range = range with
            {
                DirectsAfter = Math.Max(range.DirectsAfter, cutoff),
                BroadcastsAfter = Math.Max(range.BroadcastsAfter, cutoff),
            };
            yield return new NoticeOut(new RelayError
            {
                Code = ErrorCodes.ReplayTruncated,
                Message = $"More than {cap} messages were waiting; replaying the newest {cap}, after seq {cutoff}.",
                OldestSeq = cutoff + 1,
            });
        }

        for (var first = true; ; first = false)
        {
            var page = await ReadAsync(store.BacklogAsync(range, PageSize, ct));
            // Retention may have run before the agent came back, or while a long replay goes out: what it removed past the
            // last message sent is said, not skipped.
            if (RemovedAfter(ToldAfter(registration, range, first), page.HeldFrom) is { } removed)
            {
                yield return removed;
            }
            var messages = page.Messages;
            if (messages.Count == 0)
            {
                yield break;
            }
            if (CountRereads(registration, messages) is > 0 and var rereads)
            {
                await rateLimits.TakeReplayAsync(range.Agent, rereads, ct);
            }
            foreach (var envelope in messages)
            {
                yield return new EnvelopeOut(envelope);
            }
            var last = messages[^1].Seq;
            if (last >= range.UpTo)
            {
                yield break;
            }
            range = range with
            {
                DirectsAfter = Math.Max(range.DirectsAfter, last),
                BroadcastsAfter = Math.Max(range.BroadcastsAfter, last),
            };
        }
    }

    /// <summary>
    /// Where removals start to count: a brand-new agent was owed nothing from before it first came, so on its first page
    /// only what was removed past its broadcasts floor is said.
    /// </summary>
    private static long ToldAfter(Registration registration, BacklogRange range, bool firstPage) =>
        registration.Resumed || !firstPage ? Math.Min(range.DirectsAfter, range.BroadcastsAfter) : range.BroadcastsAfter;

    /// <summary><c>RESUME_TOO_OLD</c> when retention removed messages after <paramref name="after"/>; null when it removed none.</summary>
    private static NoticeOut? RemovedAfter(long after, long held) =>
        after < held - 1
            ? new NoticeOut(new RelayError
            {
                Code = ErrorCodes.ResumeTooOld,
                Message = $"Messages after seq {after} and before {held} were removed by retention.",
                OldestSeq = held,
            })
            : null;

    private Task<T> ReadAsync<T>(Task<T> read) => StoreReads.GuardAsync(read, "what this agent missed", failures);

    private static int CountRereads(Registration registration, IReadOnlyList<Envelope> page)
    {
        var rereads = 0;
        foreach (var envelope in page)
        {
            if (registration.IsReread(envelope))
            {
                rereads++;
            }
        }
        return rereads;
    }
}
