using System.Net.WebSockets;
using System.Text.Json;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>Content reaches every door as the JSON value its sender sent, whichever door that was.</summary>
public sealed class ContentFidelityTests
{
    [Test]
    public async Task A_v03_message_whose_content_is_null_reaches_every_door_and_history_as_null()
    {
        await using var relay = await TestRelay.StartAsync();
        var reader = await relay.ConnectAsync("reader");
        await using var mesh = await MeshAsync(relay, "mesh-reader");
        await using var sender = await V03Async(relay, "sender");

        await sender.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"nothing","content":null}""");
        var answer = await sender.NextWhereAsync(f => f.Str("message_type") is "ACK" or "ERROR", "the ACK");

        Assert.That(answer.Str("message_type"), Is.EqualTo("ACK"), answer.ToString());
        Assert.That((await Wait.NextAsync(reader.Messages)).Content.ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That((await mesh.NextMeshTrafficAsync()).GetProperty("data").ValueKind, Is.EqualTo(JsonValueKind.Null));
        await sender.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY"}""");
        var history = await sender.NextOfAsync("message_type", "HISTORY_RESPONSE");
        Assert.That(history.GetProperty("messages")[0].GetProperty("content").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [TestCase("v0.3")]
    [TestCase("mesh")]
    public async Task A_null_timestamp_counts_as_none_at_every_door(string door)
    {
        await using var relay = await TestRelay.StartAsync();
        var reader = await relay.ConnectAsync("reader");
        await using var v03 = await V03Async(relay, "v03-reader");
        await using var mesh = await MeshAsync(relay, "mesh-reader");
        await using var sender = door == "v0.3" ? await V03Async(relay, "sender") : await MeshAsync(relay, "sender");

        await sender.SendAsync(door == "v0.3"
            ? """{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"untimed","content":1,"timestamp":null}"""
            : """{"type":"broadcast","id":"untimed","data":1,"timestamp":null}""");

        var atV03 = await v03.NextV03MessageAsync();
        Assert.Multiple(async () =>
        {
            Assert.That((await Wait.NextAsync(reader.Messages)).SentAt, Is.Null);
            Assert.That((await mesh.NextMeshTrafficAsync()).TryGetProperty("timestamp", out _), Is.False);
            Assert.That(atV03.Str("timestamp"), Is.EqualTo(atV03.Str("received_at")), "the relay's receive time, as for none given");
        });
    }

    [TestCase("hub")]
    [TestCase("v0.3")]
    [TestCase("mesh")]
    public async Task A_string_timestamp_that_reads_as_a_number_reaches_the_raw_doors_as_that_number_and_the_hub_as_its_text(string door)
    {
        await using var relay = await TestRelay.StartAsync();
        var reader = await relay.ConnectAsync("reader");
        await using var v03 = await V03Async(relay, "v03-reader");
        await using var mesh = await MeshAsync(relay, "mesh-reader");

        // The store keeps a timestamp as text, so a string of digits and a number are one timestamp.
        switch (door)
        {
            case "hub":
                await using (var hub = await HubWire.ConnectAsync(relay, "sender"))
                {
                    Assert.That(await hub.InvokeAsync("Send", """{"id":"digits","content":1,"sent_at":"1771473600.5"}"""), Is.Null);
                }
                break;
            case "v0.3":
                await using (var sender = await V03Async(relay, "sender"))
                {
                    await sender.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"digits","content":1,"timestamp":"1771473600.5"}""");
                    await sender.NextOfAsync("message_type", "ACK");
                }
                break;
            default:
                await using (var sender = await MeshAsync(relay, "sender"))
                {
                    await sender.SendAsync("""{"type":"broadcast","id":"digits","data":1,"timestamp":"1771473600.5"}""");
                    await Wait.UntilAsync(() => relay.QueryNumber("SELECT COUNT(*) FROM messages") == 1, "the message stored");
                }
                break;
        }

        Assert.Multiple(async () =>
        {
            Assert.That((await Wait.NextAsync(reader.Messages)).SentAt, Is.EqualTo("1771473600.5"));
            Assert.That((await v03.NextV03MessageAsync()).GetProperty("timestamp").GetRawText(), Is.EqualTo("1771473600.5"));
            Assert.That((await mesh.NextMeshTrafficAsync()).GetProperty("timestamp").GetRawText(), Is.EqualTo("1771473600.5"));
        });
    }

    [Test]
    public async Task A_v03_message_carries_only_its_seed_fields_and_recipient_to_every_door()
    {
        await using var relay = await TestRelay.StartAsync();
        var reader = await relay.ConnectAsync("reader");
        await using var v03 = await V03Async(relay, "v03-reader");
        await using var sender = await V03Async(relay, "sender");

        await sender.SendAsync("""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"extra","content":"x","thread":"t-1","priority":2}""");

        var relayed = await v03.NextV03MessageAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(relayed.TryGetProperty("thread", out _) || relayed.TryGetProperty("priority", out _), Is.False, relayed.ToString());
            Assert.That((await Wait.NextAsync(reader.Messages)).Content.GetString(), Is.EqualTo("x"));
        });
    }

    [Test]
    public async Task The_hub_refuses_content_that_is_not_utf8_and_the_receivers_get_the_next_message()
    {
        await using var relay = await TestRelay.StartAsync();
        var reader = await relay.ConnectAsync("reader");
        await using var mesh = await MeshAsync(relay, "mesh-reader");
        await using var hub = await HubWire.ConnectAsync(relay, "sender");
        // SignalR reads its JSON protocol from binary WebSocket frames too, which no layer checks for UTF-8.
        byte[] notText = [.. """{"id":"not-text","content":"a"""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8];

        var refused = await hub.CompleteAsync("Send", notText, WebSocketMessageType.Binary);
        await hub.CompleteAsync("Send", """{"id":"after","content":"still here"}""");

        Assert.That(refused.TryGetProperty("error", out var error), Is.True, refused.ToString());
        Assert.That(error.GetString(), Does.Contain("INVALID_MESSAGE"));
        Assert.That((await Wait.NextAsync(reader.Messages)).Id, Is.EqualTo("after"));
        Assert.That((await mesh.NextMeshTrafficAsync()).Str("id"), Is.EqualTo("after"));
        Assert.That(relay.QueryNumber("SELECT COUNT(*) FROM messages WHERE message_id = 'not-text'"), Is.Zero);
    }
}
