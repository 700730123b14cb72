using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SignalRelay.Tests.Browser;
using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>
/// New WebSocket connections from one address are limited (<c>Relay:Limits:NewConnectionsPerSecondPerAddress</c> and
/// <c>NewConnectionBurstPerAddress</c>), at every door, so no client can mint agents as fast as the relay accepts them.
/// </summary>
public sealed class ConnectionRateTests
{
    [Test]
    public async Task Past_the_burst_a_new_connection_gets_429_with_RATE_LIMITED_while_open_ones_and_plain_http_carry_on()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:NewConnectionBurstPerAddress"] = "2",
            ["Relay:Limits:NewConnectionsPerSecondPerAddress"] = "1",
        });
        await using var alice = await V03Async(relay, "alice");
        await using var bob = await V03Async(relay, "bob");

        var raw = await FirstRefusalAsync(relay, "/ws");
        var hub = await FirstRefusalAsync(relay, HubProtocol.Path + "?agent=carol");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };
        using var health = await http.GetAsync("/healthz");
        await alice.SendAsync(Message("alice", "m1", "still here"));

        Assert.Multiple(async () =>
        {
            Assert.That(raw, Does.StartWith("HTTP/1.1 429"));
            Assert.That(raw, Does.Contain("Retry-After: 1"));
            Assert.That(raw, Does.Contain(ErrorCodes.RateLimited).And.Contain("new connections"));
            Assert.That(hub, Does.StartWith("HTTP/1.1 429"), "the hub's WebSocket shares the address's budget");
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "only WebSocket upgrades count");
            Assert.That((await alice.NextOfAsync("message_type", "ACK")).Str("message_id"), Is.EqualTo("m1"));
            Assert.That((await bob.NextV03MessageAsync()).Str("message_id"), Is.EqualTo("m1"));
        });
    }

    [TestCase("LongPolling")]
    [TestCase("ServerSentEvents")]
    public async Task A_hub_connection_without_a_websocket_counts_once_at_its_negotiation_and_then_past_the_burst_is_refused(string transport)
    {
        JsEnvironment.RequireNodePackages();
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:NewConnectionBurstPerAddress"] = "2",
            ["Relay:Limits:NewConnectionsPerSecondPerAddress"] = "1",
        });
        await using var js = JsAgent.Start(relay, "js-agent", transport);
        await js.NextEventAsync("connected");
        for (var i = 0; i < 5; i++)
        {
            // Each call is a request of its own on this transport, and none of them may count as a new connection.
            var ack = await js.RunAsync(JsAgent.Send(to: null, id: $"m{i}", text: "counted once"));
            Assert.That(ack.GetProperty("id").GetString(), Is.EqualTo($"m{i}"));
        }

        var refused = await FirstRefusedNegotiationAsync(relay, "/negotiate");

        Assert.That(refused, Does.Contain(ErrorCodes.RateLimited));
    }

    [TestCase("/negotiate/")]
    [TestCase("/NEGOTIATE")]
    public async Task Every_spelling_of_the_negotiation_routing_takes_counts_as_a_new_connection(string negotiate)
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:NewConnectionBurstPerAddress"] = "2",
            ["Relay:Limits:NewConnectionsPerSecondPerAddress"] = "1",
        });

        Assert.That(await FirstRefusedNegotiationAsync(relay, negotiate), Does.Contain(ErrorCodes.RateLimited));
    }

    [Test]
    public async Task A_negotiated_hub_websocket_counts_once()
    {
        JsEnvironment.RequireNodePackages();
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?>
        {
            ["Relay:Limits:NewConnectionBurstPerAddress"] = "2",
            ["Relay:Limits:NewConnectionsPerSecondPerAddress"] = "1",
        });
        await using var js = JsAgent.Start(relay, "js-agent", "WebSockets");
        await js.NextEventAsync("connected");
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        using var negotiation = await http.PostAsync($"{HubProtocol.Path}/negotiate?negotiateVersion=1&agent=bob", null);

        Assert.That(negotiation.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the JS agent's negotiation and upgrade took both tokens");
    }

    /// <summary>
    /// Negotiates hub connections at <paramref name="negotiate"/> until one is refused, and returns the refusal's
    /// body; every accepted one must really have negotiated. A refill can land between two requests, hence the few
    /// attempts.
    /// </summary>
    private static async Task<string> FirstRefusedNegotiationAsync(TestRelay relay, string negotiate)
    {
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };
        for (var attempt = 0; attempt < 10; attempt++)
        {
            using var negotiation = await http.PostAsync(
                $"{HubProtocol.Path}{negotiate}?negotiateVersion=1&agent=mallory{attempt}", null);
            var body = await negotiation.Content.ReadAsStringAsync();
            if (negotiation.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return body;
            }
            Assert.That(body, Does.Contain("connectionToken"), $"{negotiate} answered {negotiation.StatusCode}");
        }
        Assert.Fail($"Ten negotiations at {negotiate} in a row were accepted.");
        return "";
    }

    /// <summary>
    /// Sends WebSocket upgrade requests over plain TCP, closing each accepted one, until one is refused; returns the
    /// refusal's status line, headers and body. A refill can land between two requests, hence the few attempts.
    /// </summary>
    private static async Task<string> FirstRefusalAsync(TestRelay relay, string path)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(relay.BaseUri.Host, relay.BaseUri.Port);
            var stream = tcp.GetStream();
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"GET {path} HTTP/1.1\r\nHost: {relay.BaseUri.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"));
            var response = await ReadResponseAsync(stream);
            if (!response.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                return response;
            }
        }
        Assert.Fail($"Ten upgrades of {path} in a row were accepted.");
        return "";
    }

    /// <summary>The response head, and the body when it has a length (a 101's has none).</summary>
    private static async Task<string> ReadResponseAsync(NetworkStream stream)
    {
        using var cts = new CancellationTokenSource(Wait.Default);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var head = text.ToString();
            var end = head.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = Regex.Match(head, @"Content-Length: (\d+)", RegexOptions.IgnoreCase);
                var bodyLength = length.Success ? int.Parse(length.Groups[1].Value) : 0;
                if (head.Length >= end + 4 + bodyLength)
                {
                    return head;
                }
            }
            var read = await stream.ReadAsync(buffer, cts.Token);
            if (read == 0)
            {
                return text.ToString();
            }
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }
}
