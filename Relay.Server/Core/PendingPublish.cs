using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>A message waiting for its batch to commit, and the sender waiting for its ACK.</summary>
public sealed class PendingPublish(Envelope envelope)
{
    // Continuations run on the commit loop as it completes the batch: they only encode and queue the ACK
    // (never block), and a hand-off to the thread pool per message cost more than that work. Whoever does more
    // after an ACK waits through OffTheCommitLoop.
    private readonly TaskCompletionSource<SendAck> _ack = new();

    public Envelope Envelope { get; } = envelope;
    public Task<SendAck> Acknowledged => _ack.Task;

    public void Complete(SendAck ack) => _ack.TrySetResult(ack);
    public void Fail(Exception error) => _ack.TrySetException(error);
}
