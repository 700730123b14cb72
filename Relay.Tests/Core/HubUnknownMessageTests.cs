namespace SignalRelay.Tests.Core;

/// <summary>
/// A hub message whose type the hub protocol does not know (a newer client's, or a broken one's) is passed over: the
/// connection's calls after it are still answered.
/// </summary>
public sealed class HubUnknownMessageTests
{
    [TestCase("""{"type":0}""")]
    [TestCase("""{"type":42,"invocationId":"7","target":"Heartbeat","arguments":[]}""")]
    public async Task The_calls_after_a_message_of_an_unknown_type_are_answered(string unknown)
    {
        await using var relay = await TestRelay.StartAsync();
        await using var wire = await HubWire.ConnectAsync(relay, "alice");

        await wire.SendFrameAsync([unknown]);

        Assert.That(await wire.InvokeAsync(HubProtocol.Heartbeat, ""), Is.Null, "the heartbeat after it completes without error");
    }

    [Test]
    public async Task A_message_of_an_unknown_type_in_a_frame_with_a_call_does_not_hold_the_call_back()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var wire = await HubWire.ConnectAsync(relay, "alice");

        await wire.SendFrameAsync(["""{"type":99}""", """{"type":1,"invocationId":"late","target":"Heartbeat","arguments":[]}"""]);

        var completion = await wire.CompletionAsync("late");
        Assert.That(completion.TryGetProperty("error", out _), Is.False, completion.ToString());
    }
}
