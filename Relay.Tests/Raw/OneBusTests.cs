using System.Text.Json;
using System.Threading.Channels;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>A v0.3 agent, a mesh agent and a SignalR agent on one relay, each in its own dialect.</summary>
public sealed class OneBusTests
{
    [Test]
    public async Task V03_mesh_and_signalr_agents_see_each_others_presence_and_messages_translated()
    {
        await using var relay = await TestRelay.StartAsync();
        var (v03, _) = await V03Async(relay, "vee");
        await using var v = v03;
        await using var mesh = await MeshAsync(relay, "em");

        var hub = relay.CreateClient("hub");
        var presence = Channel.CreateUnbounded<PresenceEvent>();
        hub.PresenceChanged += p => presence.Writer.TryWrite(p);
        await hub.ConnectAsync();

        var hubSaw = await Wait.NextAsync(presence.Reader, 2);
        var meshSawVee = await mesh.NextOfAsync("from", "vee");
        var meshSawHub = await mesh.NextOfAsync("from", "hub");
        var veeSawEm = await v.NextOfAsync("agent", "em");
        var veeSawHub = await v.NextOfAsync("agent", "hub");
        Assert.Multiple(() =>
        {
            Assert.That(hubSaw.Select(p => p.Agent), Is.EquivalentTo(new[] { "vee", "em" }));
            Assert.That(hubSaw.Select(p => p.Protocol), Is.EquivalentTo(new[] { "v0.3", "mesh" }));
            Assert.That(meshSawVee.GetProperty("data").Str("status"), Is.EqualTo("online"));
            Assert.That(meshSawHub.GetProperty("data").Str("status"), Is.EqualTo("online"));
            Assert.That(veeSawEm.Str("sender"), Is.EqualTo("relay_server"));
            Assert.That(veeSawHub.Str("status"), Is.EqualTo("online"));
        });

        // v0.3 MESSAGE -> mesh broadcast with data = content; SignalR gets the envelope.
        await v.SendAsync(Message("vee", "v1", "from vee"));
        var meshGotV = await mesh.NextMeshTrafficAsync();
        var hubGotV = await Wait.NextAsync(hub.Messages);
        Assert.Multiple(() =>
        {
            Assert.That(meshGotV.Str("type"), Is.EqualTo("broadcast"));
            Assert.That(meshGotV.Str("from"), Is.EqualTo("vee"));
            Assert.That(meshGotV.GetProperty("data").GetString(), Is.EqualTo("from vee"));
            Assert.That(hubGotV.Kind, Is.EqualTo(EnvelopeKinds.Message));
            Assert.That(hubGotV.From, Is.EqualTo("vee"));
            Assert.That(hubGotV.Content.GetString(), Is.EqualTo("from vee"));
            Assert.That(meshGotV.Long("seq"), Is.EqualTo(hubGotV.Seq));
        });

        // mesh frame -> v0.3 MESSAGE with content = data and kind = the mesh type.
        await mesh.SendAsync("""{"type":"broadcast","from":"em","id":"e1","data":{"text":"from em"}}""");
        var veeGotEm = await v.NextV03MessageAsync();
        var hubGotEm = await Wait.NextAsync(hub.Messages);
        Assert.Multiple(() =>
        {
            Assert.That(veeGotEm.Str("sender"), Is.EqualTo("em"));
            Assert.That(veeGotEm.Str("kind"), Is.EqualTo("broadcast"));
            Assert.That(veeGotEm.GetProperty("content").Str("text"), Is.EqualTo("from em"));
            Assert.That(hubGotEm.Kind, Is.EqualTo(EnvelopeKinds.Broadcast));
            Assert.That(hubGotEm.Content.GetProperty("text").GetString(), Is.EqualTo("from em"));
        });

        // SignalR direct -> both raw dialects see it translated.
        await hub.DirectAsync("vee", Json.Of("to vee"), "h1");
        await hub.BroadcastAsync(Json.Parse("""{"text":"from hub"}"""), "h2");
        var veeGotDirect = await v.NextV03MessageAsync();
        var veeGotBroadcast = await v.NextV03MessageAsync();
        var meshGotHub = await mesh.NextMeshTrafficAsync();
        Assert.Multiple(() =>
        {
            Assert.That(veeGotDirect.Str("kind"), Is.EqualTo("direct"));
            Assert.That(veeGotDirect.Str("recipient"), Is.EqualTo("vee"));
            Assert.That(veeGotDirect.Str("content"), Is.EqualTo("to vee"));
            Assert.That(veeGotBroadcast.GetProperty("content").Str("text"), Is.EqualTo("from hub"));
            Assert.That(meshGotHub.Str("from"), Is.EqualTo("hub"));
            Assert.That(meshGotHub.Str("id"), Is.EqualTo("h2"), "the mesh agent must not see the direct to vee");
            Assert.That(meshGotHub.GetProperty("data").Str("text"), Is.EqualTo("from hub"));
        });
    }
}
