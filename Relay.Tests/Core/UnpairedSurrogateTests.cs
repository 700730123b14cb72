using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// A <c>\u</c> escape of half a surrogate pair is valid JSON but not text: it is refused at every door with a
/// clear error, so it is never stored, and no receiver's connection fails on it.
/// </summary>
public sealed class UnpairedSurrogateTests
{
    private const string Lone = @"\ud800";

    [Test]
    public async Task Raw_content_with_a_lone_surrogate_is_refused_and_the_receivers_keep_their_connections()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var alice = await V03Async(relay, "alice");
        await using var bob = await V03Async(relay, "bob");
        await using var mesh = await MeshAsync(relay, "carol");

        await alice.SendAsync(Message("alice", "poison", $"x{Lone}"));
        var refused = await alice.NextOfAsync("message_type", "ERROR");
        await alice.SendAsync(Message("alice", "after", "still here"));

        Assert.Multiple(async () =>
        {
            Assert.That(refused.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
            Assert.That(refused.Str("error_message"), Does.Contain("surrogate"));
            Assert.That((await bob.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("after"));
            Assert.That((await mesh.NextMeshTrafficAsync()).GetProperty("data").GetString(), Is.EqualTo("still here"));
        });
        using var db = relay.OpenDatabase();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM messages WHERE message_id = 'poison'";
        Assert.That(count.ExecuteScalar(), Is.EqualTo(0L), "nothing of the refused message was stored");
    }

    [TestCase($$$"""{"type":"presence","from":"mallory","data":{"name":"{{{Lone}}}"}}""")]
    [TestCase($$$"""{"type":"presence","from":"mallory","data":{"{{{Lone}}}":1}}""")]
    [TestCase($$$"""{"protocol_version":"0.3","message_type":"HELLO","sender":"mallory","capabilities":{"x":"{{{Lone}}}"}}""")]
    [TestCase($$"""{"protocol_version":"0.3","message_type":"HELLO","sender":"m{{Lone}}"}""")]
    public async Task A_handshake_with_a_lone_surrogate_is_refused_and_may_be_followed_by_a_good_one(string handshake)
    {
        await using var relay = await TestRelay.StartAsync();
        await using var watcher = await MeshAsync(relay, "watcher");
        await using var client = await RawSocketClient.ConnectAsync(relay);

        await client.SendAsync(handshake);
        var refused = await client.NextAsync();
        await client.SendAsync(Hello("mallory"));

        Assert.Multiple(async () =>
        {
            Assert.That(refused.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
            Assert.That((await client.NextOfAsync("message_type", "WELCOME")).Str("message_type"), Is.EqualTo("WELCOME"));
            var joined = await watcher.NextOfAsync("type", "presence");
            Assert.That(joined.Str("from"), Is.EqualTo("mallory"), "the watcher stays connected and sees the good join");
        });
    }

    [Test]
    public async Task The_hub_refuses_a_lone_surrogate_in_content_or_metadata_and_a_null_message()
    {
        await using var relay = await TestRelay.StartAsync();
        var bob = await relay.ConnectAsync("bob");
        await using var hub = await HubWire.ConnectAsync(relay, "alice");

        var content = await hub.InvokeAsync("Send", $$"""{"content":"{{Lone}}"}""");
        var nothing = await hub.InvokeAsync("Send", "null");
        var metadata = await hub.InvokeAsync("Announce", $$"""{"name":"{{Lone}}"}""");
        var fine = await hub.InvokeAsync("Send", """{"content":"still here"}""");

        Assert.Multiple(async () =>
        {
            Assert.That(content, Does.Contain("INVALID_MESSAGE").And.Contain("surrogate"));
            Assert.That(nothing, Does.Contain("INVALID_MESSAGE"));
            Assert.That(metadata, Does.Contain("INVALID_MESSAGE").And.Contain("surrogate"));
            Assert.That(fine, Is.Null);
            Assert.That((await Wait.NextAsync(bob.Messages)).Content.GetString(), Is.EqualTo("still here"));
        });
    }
}
