namespace SignalRelay.Server.Core;

/// <summary>
/// Waiting for something the commit loop completes (an ACK, or a chain of replies ending in one) without being run by
/// it. ACKs complete their continuations on the loop's own thread, because encoding and queueing an ACK there costs
/// less than a hand-off per message; anything heavier that waits on one (a history read, a receive loop reading on,
/// the next part of a stream) must leave that thread first, or every commit waits behind it.
/// </summary>
public static class OffTheCommitLoop
{
    /// <summary>Completes once <paramref name="work"/> has, faulted or not: at once if it already had, else on the thread pool.</summary>
    public static Task SettledAsync(Task work) => work.IsCompleted ? Task.CompletedTask : OnThreadPoolAsync(work);

    /// <summary>The result of <paramref name="work"/>, or its exception, given on the thread pool if it had to be waited for.</summary>
    public static async Task<T> ResultAsync<T>(Task<T> work)
    {
        await SettledAsync(work);
        return await work;
    }

    private static async Task OnThreadPoolAsync(Task work)
    {
        await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.Yield();
    }
}
