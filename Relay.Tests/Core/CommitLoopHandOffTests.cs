using System.Text.Json;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;
using SignalRelay.Server.Core;
using SignalRelay.Server.Hub;

namespace SignalRelay.Tests.Core;

/// <summary>
/// The commit loop completes ACKs on its own thread and runs their continuations there. Whatever waits on an ACK to do
/// more than queue it (a history read, a stream's next part) must go on from the thread pool, or every commit waits.
/// </summary>
public sealed class CommitLoopHandOffTests
{
    [Test]
    public async Task A_stream_part_sender_goes_on_from_the_thread_pool_after_the_commit_loop_acknowledges_its_part()
    {
        await using var relay = await TestRelay.StartAsync();
        var bus = relay.Services.GetRequiredService<RelayBus>();
        var part = new SendRequest { Id = "part-0", Kind = EnvelopeKinds.Stream, Content = JsonSerializer.SerializeToElement("x") };

        // The test is on NUnit's own worker thread here (the relay starts without waiting). When the commit loop has
        // acknowledged the part before the sender looks, the sender rightly goes on at once, on that thread.
        var caller = Thread.CurrentThread;

        var ack = await bus.SubmitPaced(await bus.PacedAsync("streamer", part, CancellationToken.None), CancellationToken.None);

        var wentOnFrom = Thread.CurrentThread;
        Assert.Multiple(() =>
        {
            Assert.That(ack.Seq, Is.GreaterThan(0));
            Assert.That(wentOnFrom == caller || wentOnFrom.IsThreadPoolThread, Is.True,
                $"the part's sender went on from the commit loop's thread ('{wentOnFrom.Name}')");
        });
    }

    [Test]
    public async Task A_hub_history_call_waiting_for_an_earlier_send_goes_on_from_the_thread_pool()
    {
        var session = new HubSession("agent", caller: null!, hub: null!, new QueueLimits(Options.Create(new RelayOptions())), new LimitOptions().MaxOpenStreams);
        // Continuations inline, as the commit loop completes its ACKs.
        var send = new TaskCompletionSource<SendAck>();
        using var gate = new ManualResetEventSlim();
        _ = session.Sending(send.Task);

        var history = CommitLoop.HeldAfterAsync(session.SendsSettledAsync(), gate);
        var ackerFree = await CommitLoop.CompletesWithoutBeingHeldAsync(() => send.SetResult(new SendAck { Seq = 1, Id = "m1" }), gate, history);

        Assert.That(ackerFree, Is.True, "the thread that completed the send ran the history read behind it");
    }
}
