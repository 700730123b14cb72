using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using SignalRelay.Server.Core;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// Content every receiver can be sent: at most as deep as a hub delivery can carry, and null rather than missing. Either
/// kind of message was once stored and acknowledged, then failed every .NET receiver it was sent to.
/// </summary>
public sealed class ContentShapeTests
{
    private static string Nested(int levels) => new string('[', levels) + new string(']', levels);

    [Test]
    public async Task Content_as_deep_as_content_may_nest_reaches_a_dotnet_agent_and_history()
    {
        await using var relay = await TestRelay.StartAsync();
        var reader = await relay.ConnectAsync("reader");
        await using var sender = await V03Async(relay, "nester");
        var deepest = Nested(JsonText.MaxNesting);

        await sender.SendAsync($$"""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"deep","sender":"nester","content":{{deepest}}}""");

        Assert.That((await Wait.NextAsync(reader.Messages)).Content.GetRawText(), Is.EqualTo(deepest));
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };
        using var response = await http.GetAsync("/api/history?agent=reader");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var history = await response.Content.ReadFromJsonAsync(RelayJsonContext.Default.EnvelopeArray);
        Assert.That(history!.Single().Content.GetRawText(), Is.EqualTo(deepest));
    }

    [TestCase("v0.3")]
    [TestCase("mesh")]
    public async Task Content_nested_deeper_is_refused_and_the_sender_and_receivers_carry_on(string dialect)
    {
        await using var relay = await TestRelay.StartAsync();
        var reader = await relay.ConnectAsync("reader");
        var tooDeep = Nested(JsonText.MaxNesting + 1);
        await using var sender = dialect == "v0.3" ? await V03Async(relay, "nester") : await MeshAsync(relay, "nester");
        var (deep, after) = dialect == "v0.3"
            ? ($$"""{"protocol_version":"0.3","message_type":"MESSAGE","message_id":"deep","sender":"nester","content":{{tooDeep}}}""",
                Message("nester", "after", "still here"))
            : ($$"""{"type":"broadcast","id":"deep","data":{{tooDeep}}}""", """{"type":"broadcast","id":"after","data":"still here"}""");

        await sender.SendAsync(deep);
        var refusal = await sender.NextWhereAsync(f => f.ErrorCode() is not null, "the refusal");
        await sender.SendAsync(after);

        Assert.That(refusal.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
        Assert.That(refusal.ToString(), Does.Contain($"more than {JsonText.MaxNesting} deep"));
        Assert.That((await Wait.NextAsync(reader.Messages)).Id, Is.EqualTo("after"));
        Assert.That(relay.QueryNumber("SELECT COUNT(*) FROM messages WHERE message_id = 'deep'"), Is.Zero);
    }

    [Test]
    public async Task Metadata_nested_deeper_than_content_may_is_refused()
    {
        await using var relay = await TestRelay.StartAsync();
        var agent = await relay.ConnectAsync("announcer");
        using var tooDeep = JsonDocument.Parse(Nested(JsonText.MaxNesting + 1), new JsonDocumentOptions { MaxDepth = 128 });

        var refusal = Assert.ThrowsAsync<HubException>(() => agent.AnnounceAsync(tooDeep.RootElement));

        Assert.That(refusal!.Message, Does.Contain(ErrorCodes.InvalidMessage).And.Contain("too deep"));
    }

    [Test]
    public async Task Metadata_that_is_no_object_reaches_mesh_agents_under_metadata()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var mesh = await MeshAsync(relay, "mesh-reader");
        var agent = await relay.ConnectAsync("announcer");

        await agent.AnnounceAsync(Json.Parse("""["planning","coding"]"""));

        var presence = await mesh.NextWhereAsync(
            f => f.Str("type") == "presence" && f.Str("from") == "announcer" && f.GetProperty("data").TryGetProperty("metadata", out _),
            "the announcement");
        Assert.That(presence.GetProperty("data").GetProperty("metadata").GetRawText(), Is.EqualTo("""["planning","coding"]"""));
    }

    [Test]
    public async Task A_hub_message_without_content_is_relayed_with_null_content_and_the_receivers_keep_their_connections()
    {
        await using var relay = await TestRelay.StartAsync();
        var reader = await relay.ConnectAsync("reader");
        await using var mesh = await MeshAsync(relay, "mesh-reader");
        await using var sender = await HubWire.ConnectAsync(relay, "sender");

        var ack = await sender.CompleteAsync("Send", """{"id":"no-content"}""");
        await sender.CompleteAsync("Send", """{"id":"after","content":"still here"}""");

        Assert.That(ack.TryGetProperty("error", out _), Is.False, ack.ToString());
        var first = await Wait.NextAsync(reader.Messages);
        Assert.That(first.Id, Is.EqualTo("no-content"));
        Assert.That(first.Content.ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That((await Wait.NextAsync(reader.Messages)).Id, Is.EqualTo("after"));
        Assert.That((await mesh.NextMeshTrafficAsync()).GetProperty("data").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }
}
