using System.Collections.Concurrent;

namespace SignalRelay.Bench.Doors;

/// <summary>Sends waiting for an ACK that arrives in send order and names no message (the transport reference).</summary>
public sealed class AckQueue
{
    private readonly ConcurrentQueue<TaskCompletionSource> _waiting = new();

    public TaskCompletionSource Enqueue()
    {
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting.Enqueue(ack);
        return ack;
    }

    public void CompleteOldest()
    {
        if (_waiting.TryDequeue(out var ack))
        {
            ack.TrySetResult();
        }
    }

    public void FailAll(Exception error)
    {
        while (_waiting.TryDequeue(out var ack))
        {
            ack.TrySetException(error);
        }
    }
}
