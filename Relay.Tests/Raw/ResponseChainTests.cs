using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;
using SignalRelay.Server.RawSocket;
using SignalRelay.Server.RawSocket.Dialects;

namespace SignalRelay.Tests.Raw;

/// <summary>
/// How much one raw connection's replies may hold: a bounded number of requests awaiting replies, a bounded number
/// of bytes of replies queued, and no work for a connection that has gone. The sessions here have no writer running,
/// so whatever is queued stays queued.
/// </summary>
public sealed class ResponseChainTests
{
    private static readonly V03Dialect Dialect = new(heartbeatSeconds: 30);
    private static readonly byte[] Reply = "{}"u8.ToArray();

    [Test]
    public async Task Past_the_most_pending_replies_the_receive_loop_waits_until_they_are_queued()
    {
        var chain = new ResponseChain(Session(maxQueuedBytes: 1024 * 1024), Dialect, maxPending: 3);
        var commit = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);

        chain.After(commit.Task, frame => frame);
        chain.Send(Reply);
        var roomWithTwo = chain.RoomAsync();
        chain.Send(Reply);
        var roomWithThree = chain.RoomAsync();
        Assert.Multiple(() =>
        {
            Assert.That(roomWithTwo.IsCompleted, Is.True, "two pending: the loop reads on");
            Assert.That(roomWithThree.IsCompleted, Is.False, "three pending behind an unfinished commit: the loop waits");
        });

        commit.SetResult(Reply);
        await roomWithThree.WaitAsync(Wait.Default);
        Assert.That(chain.RoomAsync().IsCompleted, Is.True);
    }

    [Test]
    public async Task A_history_read_chained_before_the_session_ended_is_not_started_after_it()
    {
        var session = Session(maxQueuedBytes: 1024 * 1024);
        var chain = new ResponseChain(session, Dialect, maxPending: 16);
        var earlier = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = false;

        chain.After(earlier.Task, frame => frame);
        chain.AfterPrevious(() =>
        {
            started = true;
            return Task.FromResult(Reply);
        }, frame => frame);
        session.Close(new RelayError { Code = ErrorCodes.SlowConsumer, Message = "gone" }, drain: false);
        earlier.SetResult(Reply);
        await chain.Completion.WaitAsync(Wait.Default);

        Assert.Multiple(() =>
        {
            Assert.That(started, Is.False);
            Assert.That(chain.RoomAsync().IsCompleted, Is.True, "the skipped read no longer counts as pending");
        });
    }

    [Test]
    public async Task A_history_read_chained_after_an_ack_does_not_run_on_the_thread_that_completed_the_ack()
    {
        var chain = new ResponseChain(Session(maxQueuedBytes: 1024 * 1024), Dialect, maxPending: 16);
        // Continuations inline, as the commit loop completes its ACKs.
        var ack = new TaskCompletionSource<byte[]>();
        using var gate = new ManualResetEventSlim();

        chain.After(ack.Task, frame => frame);
        chain.AfterPrevious(() =>
        {
            gate.Wait();
            return Task.FromResult(Reply);
        }, frame => frame);
        var ackerFree = await CommitLoop.CompletesWithoutBeingHeldAsync(() => ack.SetResult(Reply), gate, chain.Completion);

        Assert.That(ackerFree, Is.True, "the thread that completed the ACK ran the history read behind it");
    }

    [Test]
    public async Task A_receive_loop_waiting_for_room_reads_on_from_the_thread_pool_not_from_the_thread_that_completed_the_ack()
    {
        var chain = new ResponseChain(Session(maxQueuedBytes: 1024 * 1024), Dialect, maxPending: 1);
        var ack = new TaskCompletionSource<byte[]>();
        using var gate = new ManualResetEventSlim();

        chain.After(ack.Task, frame => frame);
        var loop = CommitLoop.HeldAfterAsync(chain.RoomAsync(), gate);
        var ackerFree = await CommitLoop.CompletesWithoutBeingHeldAsync(() => ack.SetResult(Reply), gate, loop);

        Assert.That(ackerFree, Is.True, "the thread that completed the ACK ran the receive loop on");
    }

    [Test]
    public void A_reply_larger_than_the_byte_bound_is_queued_alone_and_one_more_behind_it_drops_the_connection()
    {
        var session = Session(maxQueuedBytes: 64 * 1024);
        var large = new byte[200 * 1024];

        var first = session.Enqueue(new RawFrameOut(large));
        var openAfterFirst = !session.IsClosed;
        var second = session.Enqueue(new RawFrameOut(Reply));

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True);
            Assert.That(openAfterFirst, Is.True);
            Assert.That(second, Is.False);
            Assert.That(session.CloseReason?.Code, Is.EqualTo(ErrorCodes.SlowConsumer));
        });
    }

    private static RawSession Session(int maxQueuedBytes) =>
        new("agent", Dialect, WebSocket.CreateFromStream(Stream.Null, new WebSocketCreationOptions { IsServer = true }),
            transport: null, frames: null, Queues(maxQueuedBytes), closeTimeout: TimeSpan.FromSeconds(1));

    private static QueueLimits Queues(int maxQueuedBytes) => new(Options.Create(new RelayOptions
    {
        Limits = new LimitOptions { SendQueueCapacity = 64, MaxQueuedBytes = maxQueuedBytes },
    }));
}
