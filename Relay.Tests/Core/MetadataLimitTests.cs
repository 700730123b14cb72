using System.Text.Json;
using SignalRelay.Tests.Raw;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Core;

/// <summary>
/// What an agent announces about itself is kept while the relay knows it and sent to everyone online with each
/// change, so more than <c>Relay:Limits:MaxMetadataBytes</c> (8 KiB) of it is refused at every door.
/// </summary>
public sealed class MetadataLimitTests
{
    private static readonly string Large = new('m', 9000);

    [TestCase("""{"protocol_version":"0.3","message_type":"HELLO","sender":"mallory","capabilities":{"about":"LARGE"}}""")]
    [TestCase("""{"type":"presence","from":"mallory","data":{"about":"LARGE"}}""")]
    public async Task A_handshake_with_too_much_metadata_is_refused_and_may_be_followed_by_a_good_one(string handshake)
    {
        await using var relay = await TestRelay.StartAsync();
        await using var watcher = await MeshAsync(relay, "watcher");
        await using var client = await RawSocketClient.ConnectAsync(relay);

        await client.SendAsync(handshake.Replace("LARGE", Large, StringComparison.Ordinal));
        var refused = await client.NextAsync();
        await client.SendAsync(handshake.Replace("LARGE", "small", StringComparison.Ordinal));

        Assert.Multiple(async () =>
        {
            Assert.That(refused.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
            Assert.That(ErrorText(refused), Does.Contain("metadata").And.Contain("8192"));
            var joined = await watcher.NextOfAsync("type", "presence");
            Assert.That(joined.Str("from"), Is.EqualTo("mallory"));
            Assert.That(joined.GetProperty("data").GetProperty("about").GetString(), Is.EqualTo("small"));
        });
    }

    [Test]
    public async Task A_mesh_presence_update_with_too_much_metadata_is_refused_and_the_old_metadata_stands()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var watcher = await MeshAsync(relay, "watcher");
        await using var mallory = await RawSocketClient.ConnectAsync(relay);
        await mallory.SendAsync(Frame(Presence("mallory"), "first"));
        Assert.That((await watcher.NextOfAsync("type", "presence")).GetProperty("data").GetProperty("about").GetString(), Is.EqualTo("first"));

        await mallory.SendAsync(Frame(Presence("mallory"), Large));
        var refused = await mallory.NextWhereAsync(f => f.ErrorCode() is not null, "the refusal");
        await mallory.SendAsync(Frame(Presence("mallory"), "second"));

        Assert.Multiple(async () =>
        {
            Assert.That(refused.ErrorCode(), Is.EqualTo("INVALID_MESSAGE"));
            var next = await watcher.NextOfAsync("type", "presence");
            Assert.That(next.GetProperty("data").GetProperty("about").GetString(), Is.EqualTo("second"), "the large one was never announced");
        });
    }

    [Test]
    public async Task The_hub_refuses_too_much_metadata_and_takes_a_smaller_announcement()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var hub = await HubWire.ConnectAsync(relay, "alice");

        var large = await hub.InvokeAsync("Announce", $$"""{"about":"{{Large}}"}""");
        var small = await hub.InvokeAsync("Announce", """{"about":"small"}""");

        Assert.Multiple(() =>
        {
            Assert.That(large, Does.Contain("INVALID_MESSAGE").And.Contain("metadata"));
            Assert.That(small, Is.Null);
        });
    }

    /// <summary>A presence frame whose metadata is <c>{"about": about}</c>.</summary>
    private static string Frame(string presence, string about) =>
        presence.Replace("""{"name":"mallory"}""", $$"""{"about":"{{about}}"}""", StringComparison.Ordinal);

    private static string? ErrorText(JsonElement refusal) =>
        refusal.Str("error_message") ?? refusal.GetProperty("data").Str("message");
}
