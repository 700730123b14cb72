namespace SignalRelay.Tests.Core;

/// <summary>
/// One connection may have at most <c>Relay:Limits:MaxOpenStreams</c> hub streams open: each holds buffers the client
/// fills, so without a bound one connection could hold the relay's memory without end.
/// </summary>
public sealed class HubStreamLimitTests
{
    [Test]
    public async Task A_stream_past_the_open_streams_limit_is_refused_and_one_may_be_opened_once_another_ends()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:MaxOpenStreams"] = "2" });
        await relay.ConnectAsync("bob");
        await using var alice = await HubWire.ConnectAsync(relay, "alice");

        await alice.SendFrameAsync([
            StreamCall("s1", "i1"),
            """{"type":2,"invocationId":"i1","item":"first"}""",
            StreamCall("s2", "i2"),
            StreamCall("s3", "i3"),
            """{"type":2,"invocationId":"i3","item":"dropped"}""",
            """{"type":3,"invocationId":"i3"}""",
        ]);
        var refused = await alice.CompletionAsync("s3");

        Assert.That(refused.TryGetProperty("error", out var error) ? error.GetString() : "accepted", Does.Contain(ErrorCodes.TooManyStreams).And.Contain("2"));
        await alice.SendFrameAsync(["""{"type":3,"invocationId":"i1"}"""]);
        Assert.That((await alice.CompletionAsync("s1")).TryGetProperty("error", out _), Is.False, "the first stream ends as usual");
        await alice.SendFrameAsync([StreamCall("s4", "i4"), """{"type":2,"invocationId":"i4","item":"again"}""", """{"type":3,"invocationId":"i4"}"""]);
        Assert.That((await alice.CompletionAsync("s4")).TryGetProperty("error", out _), Is.False, "a stream may be opened once one has ended");
        Assert.That(relay.QueryNumber("SELECT COUNT(*) FROM messages WHERE content LIKE '%dropped%'"), Is.Zero, "the refused stream's item was not relayed");
    }

    [Test]
    public async Task A_connection_opening_streams_past_the_limit_while_as_many_refused_ones_are_open_is_closed()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:MaxOpenStreams"] = "1" });
        await using var alice = await HubWire.ConnectAsync(relay, "alice");

        await alice.SendFrameAsync([StreamCall("s1", "i1"), StreamCall("s2", "i2"), StreamCall("s3", "i3")]);

        var closing = await alice.RestUntilClosedAsync();
        Assert.That(closing, Does.Contain(ErrorCodes.TooManyStreams));
    }

    private static string StreamCall(string invocation, string stream) =>
        $$"""{"type":1,"invocationId":"{{invocation}}","target":"Stream","arguments":["bob"],"streamIds":["{{stream}}"]}""";
}
