namespace SignalRelay.Tests.Infrastructure;

/// <summary>A stand-in for the relay's commit loop: a thread of its own that completes ACKs, running their continuations inline.</summary>
public static class CommitLoop
{
    private static readonly TimeSpan Held = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="complete"/> on a thread of its own and says whether that thread was free again within a few
    /// seconds; false means a continuation of what it completed kept it, as it would keep every commit waiting.
    /// </summary>
    public static bool Completes(Action complete)
    {
        var thread = new Thread(() => complete()) { IsBackground = true, Name = "commit loop stand-in" };
        thread.Start();
        return thread.Join(Held);
    }
}
