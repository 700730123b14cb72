using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SignalRelay.Tests.Browser;

/// <summary>What the relay serves for the console: the page on a plain GET of <c>/</c> (an upgrade of <c>/</c> stays the raw door's), and /api/history.</summary>
public sealed class ConsoleEndpointTests
{
    [Test]
    public async Task Plain_get_of_root_serves_the_page_while_an_upgrade_of_root_reaches_the_mesh_door()
    {
        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        using var page = await http.GetAsync("/");
        var html = await page.Content.ReadAsStringAsync();
        using var script = await http.GetAsync("/js/console.js");
        Assert.Multiple(() =>
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            Assert.That(html, Does.Contain("<title>SignalRelay console</title>"));
            Assert.That(page.Headers.GetValues("Content-Security-Policy").Single(), Does.StartWith("default-src 'self'"));
            Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(script.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
        });

        using var timeout = new CancellationTokenSource(Wait.Default);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(relay.WebSocketUri("/"), timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("""{"type":"presence","from":"mesh-agent","data":{}}"""), WebSocketMessageType.Text, true, timeout.Token);
        await relay.ConnectAsync("dotnet-agent");

        var frame = await ReceiveJsonAsync(socket, timeout.Token);
        Assert.Multiple(() =>
        {
            Assert.That(frame.GetProperty("type").GetString(), Is.EqualTo("presence"));
            Assert.That(frame.GetProperty("from").GetString(), Is.EqualTo("dotnet-agent"));
            Assert.That(frame.GetProperty("data").GetProperty("status").GetString(), Is.EqualTo(PresenceStatus.Online));
        });
    }

    [Test]
    public async Task The_page_by_its_file_name_has_the_same_security_headers()
    {
        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        using var page = await http.GetAsync("/index.html");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("frame-ancestors 'none'"));
    }

    [TestCase("/")]
    [TestCase("/healthz")]
    [TestCase("/ping")]
    [TestCase("/readyz")]
    [TestCase("/api/agents")]
    [TestCase("/api/history?agent=watcher")]
    [TestCase("/js/console.js")]
    public async Task A_read_endpoint_answers_HEAD_as_it_answers_GET(string path)
    {
        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        using var get = await http.GetAsync(path);

        Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(head.Content.Headers.ContentType?.MediaType, Is.EqualTo(get.Content.Headers.ContentType?.MediaType));
    }

    [Test]
    public async Task History_endpoint_returns_what_the_named_agent_may_see_and_refuses_an_unnamed_request()
    {
        await using var relay = await TestRelay.StartAsync();
        var planner = await relay.ConnectAsync("planner");
        await planner.BroadcastAsync(Json.Of("for everyone"));
        await planner.DirectAsync("operator", Json.Of("for operator"));
        await planner.DirectAsync("someone-else", Json.Of("not for operator"));
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        var history = await http.GetFromJsonAsync("/api/history?agent=operator&limit=10", RelayJsonContext.Default.EnvelopeArray);
        using var unnamed = await http.GetAsync("/api/history");
        var refusal = await unnamed.Content.ReadFromJsonAsync(RelayJsonContext.Default.RelayError);
        Assert.Multiple(() =>
        {
            Assert.That(history!.Select(e => e.Content.GetString()), Is.EqualTo(new[] { "for everyone", "for operator" }));
            Assert.That(unnamed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(refusal!.Code, Is.EqualTo(ErrorCodes.InvalidAgentId));
        });
    }

    [TestCase("limit=abc", "limit")]
    [TestCase("limit=1e3", "limit")]
    [TestCase("limit=-1", "limit")]
    [TestCase("since_seq=99999999999999999999", "since_seq")]
    [TestCase("since_seq=%201", "since_seq")]
    public async Task History_endpoint_refuses_a_bound_that_is_not_a_non_negative_integer_with_the_relays_error(string bound, string name)
    {
        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        using var response = await http.GetAsync($"/api/history?agent=reader&{bound}");

        var refusal = await response.Content.ReadFromJsonAsync(RelayJsonContext.Default.RelayError);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(refusal!.Code, Is.EqualTo(ErrorCodes.InvalidMessage));
            Assert.That(refusal.Message, Does.Contain($"'{name}'"));
        });
    }

    [Test]
    public async Task History_endpoint_reads_a_limit_beyond_the_largest_as_the_largest()
    {
        await using var relay = await TestRelay.StartAsync();
        var planner = await relay.ConnectAsync("planner");
        await planner.BroadcastAsync(Json.Of("one"));
        await planner.BroadcastAsync(Json.Of("two"));
        using var http = new HttpClient { BaseAddress = relay.BaseUri, Timeout = Wait.Default };

        var history = await http.GetFromJsonAsync("/api/history?agent=reader&limit=9999999999&since_seq=0", RelayJsonContext.Default.EnvelopeArray);

        Assert.That(history!.Select(e => e.Content.GetString()), Is.EqualTo(new[] { "one", "two" }));
    }

    private static async Task<JsonElement> ReceiveJsonAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, ct);
            message.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);
        return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
    }
}
