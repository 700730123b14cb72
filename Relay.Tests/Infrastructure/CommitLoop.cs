namespace SignalRelay.Tests.Infrastructure;

/// <summary>A stand-in for the relay's commit loop: a thread of its own that completes ACKs, running their continuations inline.</summary>
public static class CommitLoop
{
    private static readonly TimeSpan Held = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="complete"/> on a thread of its own while the work it sets off is held at <paramref name="gate"/>,
    /// and says whether that thread was free again within a few seconds: false means a continuation of what it completed
    /// kept it, as it would keep every commit waiting. Then opens the gate and waits for <paramref name="settled"/>.
    /// </summary>
    public static async Task<bool> CompletesWithoutBeingHeldAsync(Action complete, ManualResetEventSlim gate, Task settled)
    {
        var thread = new Thread(() => complete()) { IsBackground = true, Name = "commit loop stand-in" };
        thread.Start();
        var free = thread.Join(Held);
        gate.Set();
        await settled.WaitAsync(Wait.Default);
        return free;
    }

    /// <summary>Work that goes on after <paramref name="awaited"/>: it waits for it, then is held at <paramref name="gate"/>.</summary>
    public static async Task HeldAfterAsync(Task awaited, ManualResetEventSlim gate)
    {
        await awaited;
        gate.Wait();
    }
}
