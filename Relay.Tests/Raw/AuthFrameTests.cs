using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>Auth frames on the raw socket. With auth off (the default) the token is accepted and ignored.</summary>
public sealed class AuthFrameTests
{
    [Test]
    public async Task An_auth_frame_may_come_before_hello_and_again_later_without_a_reply()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await RawSocketClient.ConnectAsync(relay);

        await client.SendAsync("""{"protocol_version":"0.3","message_type":"AUTH","token":"first"}""");
        await client.SendAsync(Hello("vee"));
        await client.SendAsync("""{"protocol_version":"0.3","message_type":"AUTH","token":"fresh"}""");
        await client.SendAsync("""{"protocol_version":"0.3","message_type":"PING"}""");

        Assert.That((await Wait.NextAsync(client.Frames, 2)).Select(f => f.Str("message_type")), Is.EqualTo(new[] { "WELCOME", "PONG" }));
    }

    [Test]
    public async Task A_mesh_auth_frame_without_a_token_gets_MISSING_FIELD()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await RawSocketClient.ConnectAsync(relay);

        await client.SendAsync("""{"type":"auth"}""");
        var error = await client.NextAsync();
        await client.SendAsync("""{"type":"auth","token":"t"}""");
        await client.SendAsync(Presence("em"));
        await UntilOnlineAsync(relay, "em");

        Assert.Multiple(() =>
        {
            Assert.That(error.ErrorCode(), Is.EqualTo("MISSING_FIELD"));
            Assert.That(error.GetProperty("data").Str("message"), Does.Contain("token"));
        });
    }
}
