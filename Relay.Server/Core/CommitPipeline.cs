using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SignalRelay.Contracts;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Storage;

namespace SignalRelay.Server.Core;

/// <summary>
/// Group commit: one loop takes every message waiting, commits them in one transaction, then completes their
/// ACKs and routes them. A batch is whatever arrived during the previous commit, so batches grow with
/// load. Being the only writer, the loop also fixes the order of the bus.
/// </summary>
public sealed class CommitPipeline(
    IMessageStore store,
    SessionRegistry registry,
    StoreHealth health,
    StoreFailureLog failures,
    IOptions<RelayOptions> options,
    ILogger<CommitPipeline> logger) : BackgroundService
{
    private readonly Channel<PendingPublish> _inbox = Channel.CreateBounded<PendingPublish>(
        new BoundedChannelOptions(options.Value.Storage.InboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    /// <summary>Queues a message for the next batch; waits while the inbox is full.</summary>
    public async ValueTask SubmitAsync(PendingPublish pending, CancellationToken ct)
    {
        try
        {
            await _inbox.Writer.WriteAsync(pending, ct);
        }
        catch (ChannelClosedException)
        {
            throw new RelayException(ErrorCodes.ServerShutdown, "The relay is shutting down.", recoverable: false);
        }
    }

    // SQLite blocks its caller for the whole commit (the inserts and the fsync), so the loop has a thread of its
    // own instead of holding one of the pool's, which the sockets and the session writers need meanwhile.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(CommitUntilDrained, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void CommitUntilDrained()
    {
        var maxBatch = options.Value.Storage.MaxBatchSize;
        var batch = new List<PendingPublish>(maxBatch);
        var envelopes = new List<Envelope>(maxBatch);
        // Not stoppingToken: on shutdown the inbox is completed and drained, never abandoned.
        while (WaitForMessages())
        {
            while (batch.Count < maxBatch && _inbox.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                envelopes.Add(pending.Envelope);
            }
            CommitAsync(batch, envelopes).GetAwaiter().GetResult();
            batch.Clear();
            envelopes.Clear();
        }
    }

    /// <summary>Blocks the loop's thread until a message waits (true) or the inbox is completed and empty (false).</summary>
    private bool WaitForMessages()
    {
        var wait = _inbox.Reader.WaitToReadAsync(CancellationToken.None);
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    private async Task CommitAsync(List<PendingPublish> batch, List<Envelope> envelopes)
    {
        IReadOnlyList<AppendResult> results;
        try
        {
            health.ReportCommitStarting();
            results = await store.AppendAsync(envelopes, CancellationToken.None);
            health.ReportSuccess();
        }
        catch (Exception ex)
        {
            health.ReportFailure(ex);
            if (ex is not VolumeFloor.NoRoomException)
            {
                failures.Failed($"committing a batch of {batch.Count} messages", ex);
            }
            var error = new RelayException(ErrorCodes.StoreUnavailable, "The message could not be stored; it was not sent.");
            foreach (var pending in batch)
            {
                pending.Fail(error);
            }
            return;
        }

        var committed = new List<Envelope>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (!results[i].Duplicate)
            {
                committed.Add(batch[i].Envelope with { Seq = results[i].Seq, ReceivedAt = results[i].ReceivedAt });
            }
        }
        // ACKs before deliveries: the senders' next messages then reach the inbox while this batch is still being
        // routed, in time for the next commit.
        for (var i = 0; i < batch.Count; i++)
        {
            var r = results[i];
            batch[i].Complete(new SendAck { Seq = r.Seq, Id = batch[i].Envelope.Id, Duplicate = r.Duplicate, ReceivedAt = r.ReceivedAt });
        }
        registry.Dispatch(committed);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _inbox.Writer.TryComplete();
        if (ExecuteTask is not { } running)
        {
            return;
        }
        // The token fires when the host's shutdown timeout has run out, which a client that holds the server's own
        // stop can make happen before this is called. Then stop waiting, as BackgroundService does, rather than
        // fail the host's stop: the process would crash instead of exiting. By then every session has been closed
        // while the loop kept committing, so little or nothing waits, and nothing waiting was ever acknowledged.
        await running.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_inbox.Reader.Count > 0)
        {
            logger.LogWarning("The shutdown timeout ran out before {Count} queued messages were committed; they were never acknowledged, so their senders must send them again",
                _inbox.Reader.Count);
        }
    }
}
