namespace SignalRelay.Tests.Core;

public sealed class MessagingTests
{
    [Test]
    public async Task Broadcast_reaches_everyone_but_the_sender_and_direct_reaches_only_its_target()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        var carol = await relay.ConnectAsync("carol");

        var ack = await alice.BroadcastAsync(Json.Of("hello all"), "m1");
        var atBob = await Wait.NextAsync(bob.Messages);
        var atCarol = await Wait.NextAsync(carol.Messages);
        Assert.Multiple(() =>
        {
            Assert.That(ack.Duplicate, Is.False);
            Assert.That(atBob.Seq, Is.EqualTo(ack.Seq));
            Assert.That(atBob.From, Is.EqualTo("alice"));
            Assert.That(atBob.Kind, Is.EqualTo(EnvelopeKinds.Broadcast));
            Assert.That(atBob.Content.GetString(), Is.EqualTo("hello all"));
            Assert.That(atCarol.Id, Is.EqualTo("m1"));
        });

        var direct = await alice.DirectAsync("bob", Json.Of("just you"), "m2");
        var marker = await alice.BroadcastAsync(Json.Of("marker"), "m3");
        var bobGot = await Wait.NextAsync(bob.Messages, 2);
        var carolGot = await Wait.NextAsync(carol.Messages);
        Assert.Multiple(() =>
        {
            Assert.That(bobGot.Select(e => e.Id), Is.EqualTo(new[] { "m2", "m3" }));
            Assert.That(bobGot[0].To, Is.EqualTo("bob"));
            Assert.That(bobGot[0].Kind, Is.EqualTo(EnvelopeKinds.Direct));
            Assert.That(carolGot.Seq, Is.EqualTo(marker.Seq), "carol must not see the direct to bob");
            Assert.That(alice.Messages.TryRead(out _), Is.False, "the sender does not get its own broadcast");
        });
        Assert.That(direct.Seq, Is.LessThan(marker.Seq));
    }

    [Test]
    public async Task A_message_sent_without_an_id_gets_a_time_ordered_one()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        var first = await alice.BroadcastAsync(Json.Of("one"));
        var second = await alice.BroadcastAsync(Json.Of("two"));
        var atBob = await Wait.NextAsync(bob.Messages, 2);

        // A version 7 UUID: the version digit, then the generation time in the first 48 bits, so a generated id
        // goes to the end of the (id, from) index rather than anywhere in it.
        Assert.Multiple(() =>
        {
            Assert.That(atBob.Select(e => e.Id), Is.EqualTo(new[] { first.Id, second.Id }));
            Assert.That(first.Id, Has.Length.EqualTo(32).And.Not.EqualTo(second.Id));
            Assert.That(first.Id[12], Is.EqualTo('7'), first.Id);
            Assert.That(string.CompareOrdinal(first.Id[..12], second.Id[..12]), Is.LessThanOrEqualTo(0), "the time part never goes back");
        });
    }

    [Test]
    public async Task Ack_arrives_only_once_the_row_is_committed()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");

        var ack = await alice.BroadcastAsync(Json.Parse("""{"text":"durable"}"""), "d1");

        await using var db = relay.OpenDatabase();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT from_agent, message_id, content FROM messages WHERE seq = $seq";
        cmd.Parameters.AddWithValue("$seq", ack.Seq);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True, "the ACKed row must already be readable from another connection");
        Assert.Multiple(() =>
        {
            Assert.That(reader.GetString(0), Is.EqualTo("alice"));
            Assert.That(reader.GetString(1), Is.EqualTo("d1"));
            Assert.That(Json.Parse(reader.GetString(2)).GetProperty("text").GetString(), Is.EqualTo("durable"));
        });
    }

    [Test]
    public async Task A_resend_with_the_same_id_is_acknowledged_as_duplicate_and_not_delivered_again()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        var first = await alice.BroadcastAsync(Json.Of("once"), "same-id");
        var second = await alice.BroadcastAsync(Json.Of("once"), "same-id");
        var marker = await alice.BroadcastAsync(Json.Of("after"), "next-id");

        var received = await Wait.NextAsync(bob.Messages, 2);
        Assert.Multiple(() =>
        {
            Assert.That(first.Duplicate, Is.False);
            Assert.That(second.Duplicate, Is.True);
            Assert.That(second.Seq, Is.EqualTo(first.Seq));
            Assert.That(received.Select(e => e.Seq), Is.EqualTo(new[] { first.Seq, marker.Seq }));
        });
    }

    [Test]
    public async Task A_resend_by_another_door_or_in_the_same_batch_is_one_message()
    {
        await using var relay = await TestRelay.StartAsync();
        var bob = await relay.ConnectAsync("bob");
        var alice = await relay.ConnectAsync("alice");

        // Sent twice at once: both may wait for the same commit.
        var twins = await Task.WhenAll(alice.BroadcastAsync(Json.Of("once"), "twin"), alice.BroadcastAsync(Json.Of("once"), "twin"));
        var first = await alice.BroadcastAsync(Json.Of("once"), "42");
        await alice.DisposeAsync();
        await Raw.RawAgents.UntilOnlineAsync(relay, "alice", online: false);
        // The same agent back by another door, resending what it is not sure went through, the id as a number.
        await using var raw = await Raw.RawAgents.V03Async(relay, "alice");
        await raw.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":42,"content":"once"}""");
        var resent = await raw.NextWhereAsync(f => f.TryGetProperty("message_type", out var t) && t.GetString() == "ACK", "the resend's ACK");
        await raw.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"after","content":"marker"}""");

        var received = await Wait.NextAsync(bob.Messages, 3);
        Assert.Multiple(() =>
        {
            Assert.That(twins.Count(a => a.Duplicate), Is.EqualTo(1), "one of two sent at once is the original");
            Assert.That(twins[1].Seq, Is.EqualTo(twins[0].Seq));
            Assert.That(resent.GetProperty("duplicate").GetBoolean(), Is.True, resent.ToString());
            Assert.That(resent.GetProperty("seq").GetInt64(), Is.EqualTo(first.Seq));
            Assert.That(received.Select(e => e.Id), Is.EqualTo(new[] { "twin", "42", "after" }), "each delivered once");
        });
    }

    [Test]
    public async Task A_stream_is_relayed_chunk_by_chunk_and_ends_with_turn_end()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        var end = await alice.StreamAsync(Chunks("Hel", "lo", "!"), to: "bob");

        var received = await Wait.NextAsync(bob.Messages, 4);
        Assert.Multiple(() =>
        {
            Assert.That(received.Select(e => e.Kind), Is.EqualTo(new[] { "stream", "stream", "stream", "turn_end" }));
            Assert.That(string.Concat(received.Take(3).Select(e => e.Content.GetString())), Is.EqualTo("Hello!"));
            Assert.That(received[3].Seq, Is.EqualTo(end.Seq));
            Assert.That(received.All(e => e.To == "bob"), Is.True);
        });
    }

    [Test]
    public async Task Pipelined_sends_from_one_agent_arrive_in_the_order_they_were_sent()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");

        // Many sends in flight at once on one connection, none awaited before the next starts.
        var acks = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => alice.BroadcastAsync(Json.Of($"p{i}"), $"p{i}")));

        var received = await Wait.NextAsync(bob.Messages, 200);
        Assert.Multiple(() =>
        {
            Assert.That(received.Select(e => e.Id), Is.EqualTo(Enumerable.Range(0, 200).Select(i => $"p{i}")));
            Assert.That(acks.Select(a => a.Seq), Is.Ordered.Ascending);
        });
    }

    private static async IAsyncEnumerable<System.Text.Json.JsonElement> Chunks(params string[] parts)
    {
        foreach (var part in parts)
        {
            await Task.Yield();
            yield return Json.Of(part);
        }
    }
}
