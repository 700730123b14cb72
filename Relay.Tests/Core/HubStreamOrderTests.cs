namespace SignalRelay.Tests.Core;

/// <summary>
/// Per-sender FIFO holds between a hub stream's items and the sender's other messages: a receiver sees them in the
/// order the relay received them, whichever call carried them.
/// </summary>
public sealed class HubStreamOrderTests
{
    [Test]
    public async Task A_send_after_stream_items_reaches_the_receiver_after_them()
    {
        await using var relay = await TestRelay.StartAsync();
        var bob = await relay.ConnectAsync("bob");
        await using var alice = await HubWire.ConnectAsync(relay, "alice");

        await alice.SendFrameAsync([
            """{"type":1,"invocationId":"s","target":"Stream","arguments":["bob"],"streamIds":["items"]}""",
            """{"type":2,"invocationId":"items","item":"one"}""",
            """{"type":2,"invocationId":"items","item":"two"}""",
            """{"type":2,"invocationId":"items","item":"three"}""",
            """{"type":1,"invocationId":"after","target":"Send","arguments":[{"id":"after","to":"bob","content":"done"}]}""",
            """{"type":3,"invocationId":"items"}""",
        ]);
        await alice.CompletionAsync("s");

        var received = await Wait.NextAsync(bob.Messages, 5);
        Assert.That(received.Select(e => e.Kind == EnvelopeKinds.Stream ? e.Content.GetString() : e.Id),
            Is.EqualTo(new[] { "one", "two", "three", "after", received[4].Id }), "items, then the send, then the turn_end");
    }
}
