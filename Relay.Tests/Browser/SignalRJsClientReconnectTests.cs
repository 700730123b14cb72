using SignalRelay.Client;

namespace SignalRelay.Tests.Browser;

/// <summary>
/// The official JS client reconnecting by itself (withAutomaticReconnect) as README tells: resuming after the last seq
/// it received. The hub counts what it wrote to a connection; what it wrote into one that died unnoticed comes again
/// only for a client that names its resume point, which the JS client does not do unless told.
/// </summary>
public sealed class SignalRJsClientReconnectTests
{
    private static readonly TimeSpan ReconnectAfter = TimeSpan.FromSeconds(2);

    [Test]
    public async Task A_js_client_that_resumes_on_reconnect_gets_what_was_written_into_its_dead_connection()
    {
        JsEnvironment.RequireNodePackages();
        await using var relay = await TestRelay.StartAsync();
        await using var proxy = new CuttableProxy(relay.BaseUri);
        var sender = await relay.ConnectAsync("sender");
        await using var js = JsAgent.Start(proxy.BaseUri, "js-agent", "WebSockets", reconnectAfter: ReconnectAfter);
        await js.NextEventAsync("connected");

        var before = await sender.SendAsync(new SendRequest { To = "js-agent", Id = "before", Content = Json.Of("before") });
        Assert.That((await js.NextEventAsync("receive")).GetProperty("envelope").GetProperty("seq").GetInt64(), Is.EqualTo(before.Seq));

        // The client's side goes at once; the relay's stays open, and the relay writes these into it, for nobody.
        proxy.CutClients();
        var lost = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            lost.Add((await sender.SendAsync(new SendRequest { To = "js-agent", Id = $"cut-{i}", Content = Json.Of($"cut {i}") })).Seq);
        }
        var reconnecting = await js.NextEventAsync("reconnecting");
        // Not waiting for "reconnected": the replay may be read before the client says it is back.
        var replayed = new List<long>();
        for (var i = 0; i < lost.Count; i++)
        {
            replayed.Add((await js.NextEventAsync("receive")).GetProperty("envelope").GetProperty("seq").GetInt64());
        }

        Assert.Multiple(() =>
        {
            Assert.That(reconnecting.GetProperty("resume").GetInt64(), Is.EqualTo(before.Seq));
            Assert.That(replayed, Is.EqualTo(lost), "every message written while the client was away, once, in order");
        });
    }
}
