using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>A message waiting for its batch to commit, and the sender waiting for its ACK.</summary>
public sealed class PendingPublish(Envelope envelope)
{
    private readonly TaskCompletionSource<SendAck> _ack = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Envelope Envelope { get; } = envelope;
    public Task<SendAck> Acknowledged => _ack.Task;

    public void Complete(SendAck ack) => _ack.TrySetResult(ack);
    public void Fail(Exception error) => _ack.TrySetException(error);
}
