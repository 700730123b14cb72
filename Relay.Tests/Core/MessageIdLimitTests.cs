using Microsoft.AspNetCore.SignalR;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// <c>Relay:Limits:MaxMessageIdLength</c> bounds the ids clients give. The ids the relay makes itself (for a message
/// sent without one, and for the parts of a hub stream) are longer than its lowest settings, and must not be held to it.
/// </summary>
public sealed class MessageIdLimitTests
{
    private const int Limit = 16;

    [Test]
    public async Task With_a_short_id_limit_messages_without_an_id_and_hub_streams_are_still_relayed()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:MaxMessageIdLength"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var sender = await relay.ConnectAsync("sender");
        var receiver = await relay.ConnectAsync("receiver");
        await using var mesh = await MeshAsync(relay, "mesh-sender");

        var tooLong = Assert.ThrowsAsync<HubException>(() => sender.BroadcastAsync(Json.Of("long id"), new string('i', Limit + 1)));
        await sender.BroadcastAsync(Json.Of("no id"));
        await sender.StreamAsync(Items("part"), to: "receiver");
        await mesh.SendAsync("""{"type":"broadcast","from":"mesh-sender","data":"no id from mesh"}""");

        var received = await Wait.NextAsync(receiver.Messages, 4);
        Assert.Multiple(() =>
        {
            Assert.That(tooLong!.Message, Does.Contain(ErrorCodes.InvalidMessage), "the clients' own ids are still held to the limit");
            Assert.That(received.Select(e => e.Kind), Is.EqualTo(new[]
            {
                EnvelopeKinds.Broadcast, EnvelopeKinds.Stream, EnvelopeKinds.TurnEnd, EnvelopeKinds.Broadcast,
            }));
            Assert.That(received.Select(e => e.Content.ValueKind == System.Text.Json.JsonValueKind.String ? e.Content.GetString() : null),
                Is.EqualTo(new[] { "no id", "part", null, "no id from mesh" }));
        });
    }

    private static async IAsyncEnumerable<System.Text.Json.JsonElement> Items(string item)
    {
        await Task.Yield();
        yield return Json.Of(item);
    }
}
