using SignalRelay.Client;
using SignalRelay.Tests.Auth;

namespace SignalRelay.Tests.Browser;

/// <summary>The official @microsoft/signalr client (in node) and a .NET agent on the same relay, in each transport.</summary>
public sealed class SignalRJsClientTests
{
    /// <summary>The client's HttpTransportType names; each test allows only one.</summary>
    private static readonly string[] Transports = ["WebSockets", "ServerSentEvents", "LongPolling"];

    [TestCaseSource(nameof(Transports))]
    public async Task Official_js_client_exchanges_messages_with_a_dotnet_agent(string transport)
    {
        JsEnvironment.RequireNodePackages();
        await using var relay = await TestRelay.StartAsync();
        var dotnet = await relay.ConnectAsync("dotnet-agent");

        await ExchangeAsync(dotnet, transport, () => JsAgent.Start(relay, "js-agent", transport));
    }

    [TestCaseSource(nameof(Transports))]
    public async Task Official_js_client_authenticates_with_an_access_token(string transport)
    {
        JsEnvironment.RequireNodePackages();
        await using var secured = await SecuredRelay.StartAsync();
        var dotnet = await secured.ConnectAsync("dotnet-agent");

        await ExchangeAsync(dotnet, transport, () => JsAgent.Start(secured.Relay, "js-agent", transport, secured.Issuer.Token("js-agent")));
    }

    [Test]
    public async Task Official_js_client_with_a_forged_token_is_refused()
    {
        JsEnvironment.RequireNodePackages();
        await using var secured = await SecuredRelay.StartAsync();
        var forged = secured.Issuer.Token("js-agent", new TokenSpec { ForgedSignature = true });

        await using var js = JsAgent.Start(secured.Relay, "js-agent", "WebSockets", forged);

        var refused = await js.NextEventAsync("start_failed");
        Assert.That(refused.GetProperty("error").GetString(), Does.Contain("401"));
    }

    /// <summary>The JS agent comes online, sends the .NET agent a direct, and receives its broadcast.</summary>
    private static async Task ExchangeAsync(RelayClient dotnet, string transport, Func<NodeScript> startJs)
    {
        var jsOnline = Wait.ForEventAsync<PresenceEvent>(h => dotnet.PresenceChanged += h,
            p => p is { Agent: "js-agent", Status: PresenceStatus.Online }, "js-agent to come online");
        await using var js = startJs();
        var connected = await js.NextEventAsync("connected");
        Assert.That(connected.GetProperty("transport").GetString(), Is.EqualTo(transport), "the client must have used the only transport it was allowed");
        await jsOnline;

        var ack = await js.RunAsync(JsAgent.Send(to: "dotnet-agent", id: "js-1", text: $"hello over {transport}"));
        var atDotnet = await Wait.NextAsync(dotnet.Messages, what: "the direct from js-agent");
        Assert.Multiple(() =>
        {
            Assert.That(ack.GetProperty("duplicate").GetBoolean(), Is.False);
            Assert.That(atDotnet.Seq, Is.EqualTo(ack.GetProperty("seq").GetInt64()));
            Assert.That(atDotnet.From, Is.EqualTo("js-agent"));
            Assert.That(atDotnet.Kind, Is.EqualTo(EnvelopeKinds.Direct));
            Assert.That(atDotnet.Content.GetProperty("text").GetString(), Is.EqualTo($"hello over {transport}"));
        });

        var reply = await dotnet.BroadcastAsync(Json.Parse("""{"text":"hello back"}"""), "net-1");
        var envelope = (await js.NextEventAsync("receive")).GetProperty("envelope");
        Assert.Multiple(() =>
        {
            Assert.That(envelope.GetProperty("seq").GetInt64(), Is.EqualTo(reply.Seq));
            Assert.That(envelope.GetProperty("from").GetString(), Is.EqualTo("dotnet-agent"));
            Assert.That(envelope.GetProperty("kind").GetString(), Is.EqualTo(EnvelopeKinds.Broadcast));
            Assert.That(envelope.GetProperty("content").GetProperty("text").GetString(), Is.EqualTo("hello back"));
        });
    }
}
