using System.Threading.Channels;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>Waiting on the event a test expects, always with a timeout.</summary>
public static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    /// <summary>The next item, or a failure naming what was awaited.</summary>
    public static async Task<T> NextAsync<T>(ChannelReader<T> reader, TimeSpan? timeout = null, string what = "a message")
    {
        using var cts = new CancellationTokenSource(timeout ?? Default);
        try
        {
            return await reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out waiting for {what}.");
        }
    }

    /// <summary>The next <paramref name="count"/> items, in order.</summary>
    public static async Task<List<T>> NextAsync<T>(ChannelReader<T> reader, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Default);
        var items = new List<T>(count);
        try
        {
            while (items.Count < count)
            {
                items.Add(await reader.ReadAsync(cts.Token));
            }
            return items;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out after {items.Count} of {count} items.");
        }
    }

    /// <summary>Nothing arrives within <paramref name="window"/>: for asserting an absence after a later marker is impossible.</summary>
    public static async Task<bool> NothingWithinAsync<T>(ChannelReader<T> reader, TimeSpan window)
    {
        using var cts = new CancellationTokenSource(window);
        try
        {
            await reader.WaitToReadAsync(cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Polls a condition that has no event of its own (a file, a process, a table).</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Polls a condition that takes a round trip to check (an HTTP status).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Completes with the first value <paramref name="subscribe"/> hands to its callback that matches.</summary>
    public static async Task<T> ForEventAsync<T>(Action<Action<T>> subscribe, Func<T, bool> match, string what, TimeSpan? timeout = null)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe(value =>
        {
            if (match(value))
            {
                tcs.TrySetResult(value);
            }
        });
        try
        {
            return await tcs.Task.WaitAsync(timeout ?? Default);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out waiting for {what}.");
        }
    }
}
