using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using SignalRelay.Server.Core;
using SignalRelay.Tests.Raw;

namespace SignalRelay.Tests.Auth;

public sealed class RawAuthTests
{
    [Test]
    public async Task A_bearer_header_on_the_upgrade_authenticates_a_v03_agent()
    {
        await using var secured = await SecuredRelay.StartAsync();

        var (status, socket) = await secured.UpgradeAsync("/", headerToken: secured.Issuer.Token("alice"));
        using var _ = socket;
        var welcome = Json.Parse(await SecuredRelay.SendAndReceiveAsync(socket!, RawAgents.Hello("alice")));

        Assert.That(status, Is.EqualTo(HttpStatusCode.SwitchingProtocols));
        Assert.That(welcome.Str("message_type"), Is.EqualTo("WELCOME"), welcome.ToString());
    }

    [Test]
    public async Task An_access_token_query_parameter_authenticates_a_mesh_agent()
    {
        await using var secured = await SecuredRelay.StartAsync();

        await using var alice = await RawSocketClient.ConnectAsync(secured.Relay, $"/ws?access_token={secured.Issuer.Token("alice")}");
        await alice.SendAsync(RawAgents.Presence("alice"));

        await RawAgents.UntilOnlineAsync(secured.Relay, "alice");
    }

    [TestCase("auth frame, then HELLO")]
    [TestCase("token in HELLO")]
    [TestCase("auth frame, then presence")]
    [TestCase("token in presence")]
    public async Task A_token_in_the_first_frame_authenticates_the_agent(string how)
    {
        await using var secured = await SecuredRelay.StartAsync();
        var bob = await secured.ConnectAsync("bob");
        var token = secured.Issuer.Token("alice");

        await using var alice = await RawSocketClient.ConnectAsync(secured.Relay);
        foreach (var frame in FirstFrames(how, "alice", token))
        {
            await alice.SendAsync(frame);
        }
        await RawAgents.UntilOnlineAsync(secured.Relay, "alice");
        var sent = how.Contains("HELLO")
            ? RawAgents.Message("alice", "m1", "hi")
            : """{"type":"broadcast","from":"alice","id":"m1","data":{"text":"hi"}}""";
        await alice.SendAsync(sent);

        Assert.That((await Wait.NextAsync(bob.Messages)).From, Is.EqualTo("alice"));
    }

    [TestCase("HELLO")]
    [TestCase("presence")]
    public async Task Without_any_token_the_identifying_frame_gets_AUTH_REQUIRED_and_close_1008(string dialect)
    {
        await using var secured = await SecuredRelay.StartAsync();

        await using var alice = await RawSocketClient.ConnectAsync(secured.Relay);
        await alice.SendAsync(dialect == "HELLO" ? RawAgents.Hello("alice") : RawAgents.Presence("alice"));

        Assert.That((await alice.NextAsync("the refusal")).ErrorCode(), Is.EqualTo(ErrorCodes.AuthRequired));
        Assert.That(await alice.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
    }

    [Test]
    public async Task An_auth_frame_without_an_identifying_frame_times_out_with_close_1008()
    {
        await using var secured = await SecuredRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Sessions:HandshakeTimeoutSeconds"] = "2" });
        var auth = $$"""{"type":"auth","token":"{{secured.Issuer.Token("alice")}}"}"""; // signed before the clock starts

        await using var alice = await RawSocketClient.ConnectAsync(secured.Relay);
        await alice.SendAsync(auth);

        Assert.That((await alice.NextAsync("the timeout")).ErrorCode(), Is.EqualTo(ErrorCodes.HandshakeTimeout));
        Assert.That(await alice.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
    }

    [Test]
    public async Task Every_kind_of_bad_token_in_the_first_frame_gets_an_error_frame_and_close_1008()
    {
        await using var secured = await SecuredRelay.StartAsync();

        foreach (var kind in Enum.GetValues<BadToken>())
        {
            await using var alice = await RawSocketClient.ConnectAsync(secured.Relay);
            await alice.SendAsync(RawAgents.Hello("alice", $$""","token":"{{BadTokens.For(secured.Issuer, kind)}}" """));

            var error = await alice.NextAsync($"the refusal of a {kind} token");
            Assert.That(error.ErrorCode(), Is.EqualTo(BadTokens.CodeFor(kind)), $"{kind}: {error}");
            Assert.That(await alice.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation), kind.ToString());
        }
        Assert.That(secured.Relay.Services.GetRequiredService<SessionRegistry>().IsOnline("alice"), Is.False);
    }

    [TestCase("upgrade")]
    [TestCase("first frame")]
    public async Task A_HELLO_or_presence_naming_another_agent_than_the_token_is_refused(string source)
    {
        await using var secured = await SecuredRelay.StartAsync();
        var token = secured.Issuer.Token("alice");

        var v03 = await ConnectAsync(secured, source, token);
        await v03.SendAsync(RawAgents.Hello("bob", source == "upgrade" ? "" : $$""","token":"{{token}}" """));
        var mesh = await ConnectAsync(secured, source, token);
        await mesh.SendAsync(RawAgents.Presence("bob", source == "upgrade" ? "" : $$""","token":"{{token}}" """));

        Assert.Multiple(async () =>
        {
            Assert.That((await v03.NextAsync("the v0.3 refusal")).ErrorCode(), Is.EqualTo(ErrorCodes.SenderMismatch));
            Assert.That((await mesh.NextAsync("the mesh refusal")).ErrorCode(), Is.EqualTo(ErrorCodes.SenderMismatch));
            Assert.That(await v03.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
            Assert.That(await mesh.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        });
        await v03.DisposeAsync();
        await mesh.DisposeAsync();
    }

    [Test]
    public async Task An_authenticated_raw_agent_cannot_send_as_another_agent()
    {
        await using var secured = await SecuredRelay.StartAsync();
        var bob = await secured.ConnectAsync("bob");
        await using var alice = await RawSocketClient.ConnectAsync(secured.Relay);
        await alice.SendAsync(RawAgents.Presence("alice", $$""","token":"{{secured.Issuer.Token("alice")}}" """));
        await RawAgents.UntilOnlineAsync(secured.Relay, "alice");

        await alice.SendAsync("""{"type":"broadcast","from":"carol","id":"spoof","data":{}}""");
        var refusal = await alice.NextWhereAsync(f => f.ErrorCode() is not null, "the refusal");
        await alice.SendAsync("""{"type":"broadcast","from":"alice","id":"honest","data":{}}""");

        Assert.That(refusal.ErrorCode(), Is.EqualTo(ErrorCodes.SenderMismatch));
        Assert.That((await Wait.NextAsync(bob.Messages)).Id, Is.EqualTo("honest"), "the spoofed frame was not relayed");
    }

    [Test]
    public async Task An_expired_token_ends_a_raw_session_with_TOKEN_EXPIRED_and_close_1008()
    {
        await using var secured = await SecuredRelay.StartAsync();
        await secured.ConnectAsync("bob"); // warm: keys fetched, so the short token is not spent on start-up
        await using var alice = await RawSocketClient.ConnectAsync(secured.Relay);

        await alice.SendAsync(RawAgents.Presence("alice",
            $$""","token":"{{secured.Issuer.Token("alice", new TokenSpec { Lifetime = TimeSpan.FromSeconds(3) })}}" """));

        Assert.That((await alice.NextWhereAsync(f => f.ErrorCode() is not null, "the expiry")).ErrorCode(), Is.EqualTo(ErrorCodes.TokenExpired));
        Assert.That(await alice.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
    }

    [Test]
    public async Task A_fresh_auth_frame_keeps_a_raw_session_alive_past_the_first_tokens_expiry()
    {
        await using var secured = await SecuredRelay.StartAsync();
        await secured.ConnectAsync("bob"); // warm, as above
        await using var alice = await RawAgents.V03Async(secured.Relay, "alice",
            $$""","token":"{{secured.Issuer.Token("alice", new TokenSpec { Lifetime = TimeSpan.FromSeconds(3) })}}" """);

        await alice.SendAsync($$"""{"message_type":"AUTH","token":"{{secured.Issuer.Token("alice")}}"}""");

        Assert.That(await Wait.NothingWithinAsync(alice.Frames, TimeSpan.FromSeconds(4)), Is.True, "no TOKEN_EXPIRED after the first token lapsed");
        await alice.SendAsync(RawAgents.Message("alice", "after-refresh", "still here"));
        Assert.That((await alice.NextAsync("the ACK")).Str("message_type"), Is.EqualTo("ACK"));
    }

    [Test]
    public async Task An_auth_frame_with_another_agents_token_is_refused_and_ends_the_session()
    {
        await using var secured = await SecuredRelay.StartAsync();
        await using var alice = await RawAgents.V03Async(secured.Relay, "alice", $$""","token":"{{secured.Issuer.Token("alice")}}" """);

        await alice.SendAsync($$"""{"message_type":"AUTH","token":"{{secured.Issuer.Token("mallory")}}"}""");

        Assert.That((await alice.NextWhereAsync(f => f.ErrorCode() is not null, "the refusal")).ErrorCode(), Is.EqualTo(ErrorCodes.SenderMismatch));
        Assert.That(secured.Relay.Services.GetRequiredService<SessionRegistry>().IsOnline("mallory"), Is.False);
        Assert.That(await alice.ClosedWithinAsync(), Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
    }

    private static IEnumerable<string> FirstFrames(string how, string agent, string token) => how switch
    {
        "auth frame, then HELLO" => [$$"""{"message_type":"AUTH","token":"{{token}}"}""", RawAgents.Hello(agent)],
        "token in HELLO" => [RawAgents.Hello(agent, $$""","token":"{{token}}" """)],
        "auth frame, then presence" => [$$"""{"type":"auth","token":"{{token}}"}""", RawAgents.Presence(agent)],
        "token in presence" => [RawAgents.Presence(agent, $$""","token":"{{token}}" """)],
        _ => throw new ArgumentOutOfRangeException(nameof(how)),
    };

    /// <summary>A raw client whose token rides on the upgrade (the query, as a browser sends it) or not at all, leaving it to the first frame.</summary>
    private static Task<RawSocketClient> ConnectAsync(SecuredRelay secured, string source, string token) =>
        RawSocketClient.ConnectAsync(secured.Relay, source == "upgrade" ? $"/?access_token={token}" : "/");
}
