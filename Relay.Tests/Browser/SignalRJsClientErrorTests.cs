using System.Text.Json.Nodes;

namespace SignalRelay.Tests.Browser;

/// <summary>
/// What the official JS client is told when the hub refuses a call: the relay's <c>CODE: message</c>, as at the
/// handshake, which a JS agent can act on; not SignalR's "unexpected error" wording, nor no reason at all.
/// </summary>
public sealed class SignalRJsClientErrorTests
{
    [Test]
    public async Task A_refused_call_fails_with_the_relays_code_and_message()
    {
        JsEnvironment.RequireNodePackages();
        await using var relay = await TestRelay.StartAsync();
        await using var js = JsAgent.Start(relay, "js-agent", "WebSockets");
        await js.NextEventAsync("connected");

        var badRecipient = await js.FailureOfAsync(JsAgent.Invoke("Send", new JsonObject { ["to"] = "", ["content"] = 1 }));
        var unknownKind = await js.FailureOfAsync(JsAgent.Invoke("Send", new JsonObject { ["kind"] = "dance", ["content"] = 1 }));

        Assert.Multiple(() =>
        {
            Assert.That(badRecipient, Is.EqualTo("INVALID_MESSAGE: Recipient is not a valid agent id."));
            Assert.That(unknownKind, Does.StartWith("UNKNOWN_TYPE: "));
        });
    }

    [Test]
    public async Task A_call_whose_arguments_do_not_fit_fails_with_INVALID_MESSAGE_naming_the_problem()
    {
        JsEnvironment.RequireNodePackages();
        await using var relay = await TestRelay.StartAsync();
        await using var js = JsAgent.Start(relay, "js-agent", "WebSockets");
        await js.NextEventAsync("connected");

        // What a JS agent writes naturally: a time from Date.now(), a numeric id, a History with no query.
        var numericTime = await js.FailureOfAsync(JsAgent.Invoke("Send", new JsonObject { ["content"] = 1, ["sent_at"] = 1771473600000 }));
        var numericId = await js.FailureOfAsync(JsAgent.Invoke("Send", new JsonObject { ["id"] = 7, ["content"] = 1 }));
        var noQuery = await js.FailureOfAsync(JsAgent.Invoke("History"));
        var ack = await js.RunAsync(JsAgent.Send(to: null, id: "after-the-refusals", text: "still connected"));

        Assert.Multiple(() =>
        {
            Assert.That(numericTime, Does.StartWith("INVALID_MESSAGE: ").And.Contain("sent_at"));
            Assert.That(numericId, Does.StartWith("INVALID_MESSAGE: ").And.Contain("id"));
            Assert.That(noQuery, Does.StartWith("INVALID_MESSAGE: ").And.Contain("argument"));
            Assert.That(ack.GetProperty("seq").GetInt64(), Is.GreaterThan(0), "the connection lives on");
        });
    }
}
