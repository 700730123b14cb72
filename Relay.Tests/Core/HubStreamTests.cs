using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using SignalRelay.Client;
using SignalRelay.Tests.Raw;

namespace SignalRelay.Tests.Core;

/// <summary>
/// A hub stream cut off before its <c>turn_end</c> still ends for its receivers, with an <c>error</c> envelope saying so;
/// a refused item ends only the stream, not the connection; and items past the sender's budget are slowed, not refused.
/// </summary>
public sealed class HubStreamTests
{
    /// <summary>A <c>Stream</c> call to bob, over the wire, and its first two items.</summary>
    private static readonly string[] StreamOfTwoToBob =
    [
        """{"type":1,"invocationId":"s","target":"Stream","arguments":["bob"],"streamIds":["items"]}""",
        """{"type":2,"invocationId":"items","item":"one"}""",
        """{"type":2,"invocationId":"items","item":"two"}""",
    ];

    [Test]
    public async Task A_stream_its_sender_ends_with_an_error_ends_with_an_error_envelope()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        Assert.ThrowsAsync<HubException>(() => alice.StreamAsync(TwoItemsThenAFault(), to: "bob"));

        await AssertCutOffAfterTwoAsync(bob, "the sender ended it with an error");
    }

    [Test]
    public async Task A_stream_its_sender_cancels_ends_for_hub_and_mesh_receivers_with_an_error_envelope_naming_the_stream()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        await using var carol = await RawAgents.MeshAsync(relay, "carol");
        using var stop = new CancellationTokenSource();

        var streaming = alice.StreamAsync(TwoItemsThenWait(), ct: stop.Token);
        await Wait.UntilAsync(() => relay.QueryNumber("SELECT COUNT(*) FROM messages WHERE kind = 'stream'") == 2, "both items are stored");
        await stop.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(() => streaming.WaitAsync(Wait.Default));
        await AssertCutOffAfterTwoAsync(bob, "the sender ended it with an error");
        var meshFrames = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            meshFrames.Add(await carol.NextMeshTrafficAsync());
        }
        Assert.That(meshFrames.Select(f => f.GetProperty("type").GetString()), Is.EqualTo(new[] { "stream", "stream", "error" }));
        Assert.That(meshFrames[2].GetProperty("from").GetString(), Is.EqualTo("alice"), "the sender's, not the relay's");
        Assert.That(meshFrames[2].GetProperty("id").GetString(), Is.EqualTo(meshFrames[0].GetProperty("id").GetString()!.Split(':')[0] + ":aborted"));
        Assert.That(meshFrames[2].GetProperty("data").GetProperty("code").GetString(), Is.EqualTo(ErrorCodes.StreamAborted));
    }

    [Test]
    public async Task A_stream_whose_connection_drops_ends_with_an_error_envelope()
    {
        await using var relay = await TestRelay.StartAsync();
        var bob = await relay.ConnectAsync("bob");
        await using var alice = await HubWire.ConnectAsync(relay, "alice");

        await alice.SendFrameAsync(StreamOfTwoToBob);
        await Wait.UntilAsync(() => relay.QueryNumber("SELECT COUNT(*) FROM messages WHERE kind = 'stream'") == 2, "both items are stored");
        alice.Abort();

        await AssertCutOffAfterTwoAsync(bob, "the sender's connection closed");
    }

    [Test]
    public async Task Items_sent_after_the_senders_connection_was_replaced_are_not_relayed()
    {
        await using var relay = await TestRelay.StartAsync();
        var bob = await relay.ConnectAsync("bob");
        await using var alice = await HubWire.ConnectAsync(relay, "alice");
        await alice.SendFrameAsync(StreamOfTwoToBob);
        await Wait.UntilAsync(() => relay.QueryNumber("SELECT COUNT(*) FROM messages WHERE kind = 'stream'") == 2, "both items are stored");

        await relay.ConnectAsync("alice");
        await alice.SendFrameAsync(["""{"type":2,"invocationId":"items","item":"from the replaced connection"}"""]);

        await AssertCutOffAfterTwoAsync(bob, "the sender's connection closed");
    }

    [Test]
    public async Task A_refused_item_ends_the_stream_and_the_senders_connection_carries_on()
    {
        await using var relay = await TestRelay.StartAsync();
        var bob = await relay.ConnectAsync("bob");
        await using var alice = await HubWire.ConnectAsync(relay, "alice");

        await alice.SendFrameAsync([
            .. StreamOfTwoToBob,
            """{"type":2,"invocationId":"items","item":"\ud800"}""",
            """{"type":2,"invocationId":"items","item":"dropped"}""",
            """{"type":3,"invocationId":"items"}""",
        ]);
        var completion = await alice.CompletionAsync("s");

        Assert.That(completion.GetProperty("error").GetString(), Does.Contain(ErrorCodes.InvalidMessage));
        await AssertCutOffAfterTwoAsync(bob, $"an item was refused ({ErrorCodes.InvalidMessage})");
        Assert.That(await alice.InvokeAsync("Send", """{"id":"after","to":"bob","content":"still connected"}"""), Is.Null);
        Assert.That((await Wait.NextAsync(bob.Messages)).Id, Is.EqualTo("after"));
    }

    [Test]
    public async Task Items_past_the_senders_budget_are_slowed_not_refused()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MessagesPerSecond"] = "20",
            ["Relay:Limits:Burst"] = "5",
        });
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        var items = Enumerable.Range(0, 12).Select(i => $"item {i}").ToArray();

        var end = await alice.StreamAsync(Items(items), to: "bob");

        var received = await Wait.NextAsync(bob.Messages, items.Length + 1);
        Assert.That(received.Take(items.Length).Select(e => e.Content.GetString()), Is.EqualTo(items));
        Assert.That(received[^1].Kind, Is.EqualTo(EnvelopeKinds.TurnEnd));
        Assert.That(received[^1].Seq, Is.EqualTo(end.Seq));
    }

    private static async Task AssertCutOffAfterTwoAsync(RelayClient receiver, string why)
    {
        var received = await Wait.NextAsync(receiver.Messages, 3);
        Assert.That(received.Select(e => e.Kind), Is.EqualTo(new[] { EnvelopeKinds.Stream, EnvelopeKinds.Stream, EnvelopeKinds.Error }));
        var end = received[2];
        Assert.That(end.Id, Is.EqualTo(received[0].Id![..received[0].Id!.IndexOf(':')] + ":aborted"), "the end names the stream");
        Assert.That(end.Content.GetProperty("code").GetString(), Is.EqualTo(ErrorCodes.StreamAborted));
        Assert.That(end.Content.GetProperty("message").GetString(), Does.Contain($"after 2 item(s)").And.Contain(why));
    }

    private static async IAsyncEnumerable<JsonElement> TwoItemsThenAFault()
    {
        yield return Json.Of("one");
        yield return Json.Of("two");
        await Task.Yield();
        throw new InvalidOperationException("the model crashed");
    }

    private static async IAsyncEnumerable<JsonElement> TwoItemsThenWait([EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return Json.Of("one");
        yield return Json.Of("two");
        await Task.Delay(Timeout.Infinite, ct);
    }

    private static async IAsyncEnumerable<JsonElement> Items(string[] items, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            yield return Json.Of(item);
        }
    }
}
