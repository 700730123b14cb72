using System.Net.Http.Json;
using System.Text.Json;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// One message, whichever door it came in by, reaches every door as the JSON value its sender sent: live, replayed to an
/// agent that was away, and in history (the v0.3 REQUEST_HISTORY, the hub's History, GET /api/history).
/// </summary>
public sealed class CrossDoorFidelityTests
{
    // Every kind of JSON value, with the numbers a double would change and the strings an encoder escapes its own way.
    private static readonly string[] Values =
    [
        "\"plain\"", "\"\"", "0", "-0", "0.1", "1.50", "1e400", "-1E-400", "123456789012345678901234567890", "9007199254740993",
        "true", "false", "null", "[]", "{}", """[1,"a",null,true,{"k":[]}]""", """{"a":{"b":[1.25e3]},"":"","a ":2}""",
        "\"😀\\ud83d\\ude00\"", "\"a\u2028b\\u2029\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\"", "\"<&'>é\\u00e9\"",
    ];

    private const string Timestamp = "2026-02-19T04:00:00Z";

    [TestCase("hub")]
    [TestCase("v0.3")]
    [TestCase("mesh")]
    public async Task Every_json_value_reaches_every_door_live_replayed_and_in_history_as_it_was_sent(string door)
    {
        await using var relay = await TestRelay.StartAsync();
        await ComeAndLeaveAtEveryDoorAsync(relay);
        var hubReader = await relay.ConnectAsync("hub-reader");
        await using var v03Reader = await V03Async(relay, "v03-reader");
        await using var meshReader = await MeshAsync(relay, "mesh-reader");

        await SendEveryValueAsync(relay, door);

        var seen = new List<(string Where, string Id, JsonElement Content)>();
        foreach (var e in await Wait.NextAsync(hubReader.Messages, Values.Length))
        {
            seen.Add(("hub, live", e.Id, e.Content));
        }
        seen.AddRange(await V03MessagesAsync(v03Reader, "v0.3, live"));
        seen.AddRange(await MeshMessagesAsync(meshReader, "mesh, live"));

        var hubAway = await relay.ConnectAsync("hub-away");
        await using var v03Away = await V03Async(relay, "v03-away");
        await using var meshAway = await MeshAsync(relay, "mesh-away");
        foreach (var e in await Wait.NextAsync(hubAway.Messages, Values.Length))
        {
            seen.Add(("hub, replayed", e.Id, e.Content));
        }
        seen.AddRange(await V03MessagesAsync(v03Away, "v0.3, replayed"));
        seen.AddRange(await MeshMessagesAsync(meshAway, "mesh, replayed"));

        seen.AddRange((await hubReader.HistoryAsync()).Select(e => ("hub, history", e.Id, e.Content)));
        await v03Reader.SendAsync("""{"protocol_version":"0.3","message_type":"REQUEST_HISTORY"}""");
        var history = await v03Reader.NextOfAsync("message_type", "HISTORY_RESPONSE");
        seen.AddRange(history.GetProperty("messages").EnumerateArray().Select(m => ("v0.3, history", m.Str("message_id")!, m.GetProperty("content"))));
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };
        var overHttp = await http.GetFromJsonAsync("/api/history?agent=mesh-reader", RelayJsonContext.Default.EnvelopeArray);
        seen.AddRange(overHttp!.Select(e => ("HTTP history", e.Id, e.Content)));

        var changed = seen
            .Where(s => Json.Canonical(s.Content) != Json.Canonical(Json.Parse(Values[int.Parse(s.Id.Split('-')[1])])))
            .Select(s => $"{s.Where}: {Values[int.Parse(s.Id.Split('-')[1])]} came as {s.Content.GetRawText()}");
        Assert.That(changed, Is.Empty);
        Assert.That(seen, Has.Count.EqualTo(9 * Values.Length), "every door read every value in each way");
    }

    private static async Task ComeAndLeaveAtEveryDoorAsync(TestRelay relay)
    {
        await (await relay.ConnectAsync("hub-away")).DisposeAsync();
        await KnownAndAwayAsync(relay, "v03-away");
        await using (await MeshAsync(relay, "mesh-away"))
        {
        }
        await UntilOnlineAsync(relay, "hub-away", online: false);
        await UntilOnlineAsync(relay, "mesh-away", online: false);
    }

    private static async Task SendEveryValueAsync(TestRelay relay, string door)
    {
        switch (door)
        {
            case "hub":
                await using (var hub = await HubWire.ConnectAsync(relay, "sender"))
                {
                    for (var i = 0; i < Values.Length; i++)
                    {
                        Assert.That(await hub.InvokeAsync("Send", $$"""{"id":"value-{{i}}","content":{{Values[i]}},"sent_at":"{{Timestamp}}"}"""), Is.Null);
                    }
                }
                break;
            case "v0.3":
                await using (var v03 = await V03Async(relay, "sender"))
                {
                    for (var i = 0; i < Values.Length; i++)
                    {
                        await v03.SendAsync($$"""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"value-{{i}}","content":{{Values[i]}},"timestamp":"{{Timestamp}}"}""");
                        var ack = await v03.NextWhereAsync(f => f.Str("message_type") is "ACK" or "ERROR", "the ACK");
                        Assert.That(ack.Str("message_type"), Is.EqualTo("ACK"), ack.ToString());
                    }
                }
                break;
            default:
                await using (var mesh = await MeshAsync(relay, "sender"))
                {
                    for (var i = 0; i < Values.Length; i++)
                    {
                        await mesh.SendAsync($$"""{"type":"broadcast","id":"value-{{i}}","data":{{Values[i]}},"timestamp":"{{Timestamp}}"}""");
                    }
                    await Wait.UntilAsync(() => relay.QueryNumber("SELECT COUNT(*) FROM messages") == Values.Length, "every value stored");
                }
                break;
        }
    }

    private static async Task<List<(string, string, JsonElement)>> V03MessagesAsync(RawSocketClient client, string where)
    {
        var messages = new List<(string, string, JsonElement)>();
        for (var i = 0; i < Values.Length; i++)
        {
            var m = await client.NextV03MessageAsync();
            messages.Add((where, m.Str("message_id")!, m.GetProperty("content")));
        }
        return messages;
    }

    private static async Task<List<(string, string, JsonElement)>> MeshMessagesAsync(RawSocketClient client, string where)
    {
        var messages = new List<(string, string, JsonElement)>();
        for (var i = 0; i < Values.Length; i++)
        {
            var m = await client.NextMeshTrafficAsync();
            messages.Add((where, m.Str("id")!, m.GetProperty("data")));
        }
        return messages;
    }
}
