using static SignalRelay.Tests.Raw.RawAgents;

namespace SignalRelay.Tests.Raw;

/// <summary>
/// Presence changes that come together are announced together. Whatever the grouping, every agent hears of every
/// other agent's change exactly once, never of its own, and before the messages routed after it.
/// </summary>
public sealed class PresenceAnnouncementTests
{
    // A message from the herald, routed after every change made before it was sent.
    private static string Marker(string id) => $$"""{"type":"broadcast","from":"herald","id":"{{id}}"}""";

    [Test]
    public async Task In_a_storm_of_arrivals_each_agent_hears_of_every_other_once_and_never_of_itself()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var herald = await MeshAsync(relay, "herald");
        await using var observer = await MeshAsync(relay, "observer");
        await using var arrivals = await MeshCrowd.JoinAsync(relay, "arrival", 40);

        await herald.SendAsync(Marker("marker"));
        string[] everyone = ["herald", "observer", .. arrivals.Names];
        foreach (var (name, agent) in arrivals.Names.Append("observer").Zip(arrivals.Agents.Append(observer)))
        {
            var heard = await MeshPresenceBeforeMarkerAsync(agent);
            // Arrivals learn of those already online from the frames that greet them, and of later ones from notices.
            Assert.That(heard, Is.EquivalentTo(everyone.Where(other => other != name).Select(other => (other, "online"))),
                $"what {name} heard before the message routed after every arrival");
        }
    }

    [Test]
    public async Task A_newcomer_that_speaks_at_once_is_announced_before_its_first_message_at_every_door()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var v03Watcher = await V03Async(relay, "v03-watcher");
        await using var meshWatcher = await MeshAsync(relay, "mesh-watcher");

        // Each newcomer's first message follows its identification at once, on the same connection.
        await using var mesh = await RawSocketClient.ConnectAsync(relay);
        await mesh.SendAsync(Presence("fresh-mesh"));
        await mesh.SendAsync("""{"type":"broadcast","id":"first","data":"hi"}""");
        await using var v03 = await RawSocketClient.ConnectAsync(relay);
        await v03.SendAsync(Hello("fresh-v03"));
        await v03.SendAsync(Message("fresh-v03", "first", "hi"));
        var hub = await relay.ConnectAsync("fresh-hub");
        await hub.BroadcastAsync(Json.Of("hi"), "first");

        string[] newcomers = ["fresh-mesh", "fresh-v03", "fresh-hub"];
        var atV03 = await UntilAllSpokeAsync(v03Watcher, f => f.Str("message_type") == "MESSAGE" && f.Str("kind") != "presence", f => f.Str("sender"), newcomers);
        var atMesh = await UntilAllSpokeAsync(meshWatcher, f => f.Str("type") == "broadcast", f => f.Str("from"), newcomers);
        Assert.Multiple(() =>
        {
            foreach (var newcomer in newcomers)
            {
                Assert.That(atV03.FindIndex(f => f.Str("agent") == newcomer && f.Str("status") == "online"),
                    Is.InRange(0, atV03.FindIndex(f => f.Str("sender") == newcomer)), $"{newcomer}'s arrival before its message at the v0.3 watcher");
                Assert.That(atMesh.FindIndex(f => f.Str("type") == "presence" && f.Str("from") == newcomer),
                    Is.InRange(0, atMesh.FindIndex(f => f.Str("type") == "broadcast" && f.Str("from") == newcomer)),
                    $"{newcomer}'s arrival before its message at the mesh watcher");
            }
        });
    }

    /// <summary>Every frame <paramref name="watcher"/> gets until each of <paramref name="speakers"/> has sent it a message.</summary>
    private static async Task<List<System.Text.Json.JsonElement>> UntilAllSpokeAsync(RawSocketClient watcher,
        Func<System.Text.Json.JsonElement, bool> isMessage, Func<System.Text.Json.JsonElement, string?> speaker, string[] speakers)
    {
        var frames = new List<System.Text.Json.JsonElement>();
        var waiting = speakers.ToHashSet();
        while (waiting.Count > 0)
        {
            var frame = await watcher.NextAsync($"messages from {string.Join(", ", waiting)}");
            frames.Add(frame);
            if (isMessage(frame))
            {
                waiting.Remove(speaker(frame) ?? "");
            }
        }
        return frames;
    }

    [Test]
    public async Task In_a_storm_of_departures_each_agent_that_stays_hears_of_each_departure_once()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var herald = await MeshAsync(relay, "herald");
        await using var observer = await V03Async(relay, "observer");
        var departures = await MeshCrowd.JoinAsync(relay, "departure", 30);
        var names = departures.Names;
        await herald.SendAsync(Marker("after-arrivals"));
        var arrivalsHeard = await V03PresenceBeforeMarkerAsync(observer);

        await departures.DisposeAsync();
        await Task.WhenAll(names.Select(name => UntilOnlineAsync(relay, name, online: false)));
        await herald.SendAsync(Marker("after-departures"));
        var departuresHeard = await V03PresenceBeforeMarkerAsync(observer);

        Assert.Multiple(() =>
        {
            Assert.That(arrivalsHeard, Is.EquivalentTo(names.Select(name => (name, "online"))));
            Assert.That(departuresHeard, Is.EquivalentTo(names.Select(name => (name, "offline"))),
                "a v0.3 agent hears of each departure once, as a relay_server MESSAGE");
        });
    }

    [Test]
    public async Task A_flood_of_metadata_updates_reaches_the_others_as_fewer_notices_ending_with_the_latest()
    {
        const int updates = 2000;
        // Each update counts as a message: a burst that takes them all, so every one is accepted and only coalesced.
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Limits:Burst"] = $"{updates}" });
        // Over a hundred sessions online, so that the announcer pauses between announcements.
        await using var crowd = await MeshCrowd.JoinAsync(relay, "crowd", 110);
        await using var observer = await MeshAsync(relay, "observer");
        await using var flooder = await MeshAsync(relay, "flooder");
        for (var n = 0; n < updates; n++)
        {
            await flooder.SendAsync($$$"""{"type":"presence","from":"flooder","data":{"n":{{{n}}}}}""");
        }

        var seen = new List<int>();
        while (seen.Count == 0 || seen[^1] != updates - 1)
        {
            var frame = await observer.NextWhereAsync(f => f.Str("type") == "presence" && f.Str("from") == "flooder",
                "the flooder's presence");
            if (frame.GetProperty("data").TryGetProperty("n", out var n))
            {
                seen.Add(n.GetInt32());
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.Ordered.Ascending.And.Unique, "an agent's changes are told in the order it made them");
            Assert.That(seen, Has.Count.LessThan(updates / 2), "updates waiting to be announced are replaced by newer ones");
        });
    }

    /// <summary>Mesh agents named prefix-0, prefix-1, …, all online at once.</summary>
    private sealed record MeshCrowd(string[] Names, RawSocketClient[] Agents) : IAsyncDisposable
    {
        public static async Task<MeshCrowd> JoinAsync(TestRelay relay, string prefix, int count)
        {
            var names = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();
            return new MeshCrowd(names, await Task.WhenAll(names.Select(name => MeshAsync(relay, name))));
        }

        public async ValueTask DisposeAsync() => await Task.WhenAll(Agents.Select(agent => agent.DisposeAsync().AsTask()));
    }

    // Everything up to the marker, in the mesh dialect: who each presence frame was about, and its status.
    private static async Task<List<(string? Agent, string? Status)>> MeshPresenceBeforeMarkerAsync(RawSocketClient agent)
    {
        var heard = new List<(string?, string?)>();
        for (var frame = await agent.NextAsync("presence or the marker"); frame.Str("id") != "marker"; frame = await agent.NextAsync("presence or the marker"))
        {
            Assert.That(frame.Str("type"), Is.EqualTo("presence"), frame.ToString());
            heard.Add((frame.Str("from"), frame.GetProperty("data").Str("status")));
        }
        return heard;
    }

    private static async Task<List<(string? Agent, string? Status)>> V03PresenceBeforeMarkerAsync(RawSocketClient agent)
    {
        var heard = new List<(string?, string?)>();
        for (var frame = await agent.NextAsync("presence or the marker"); frame.Str("sender") != "herald"; frame = await agent.NextAsync("presence or the marker"))
        {
            Assert.That((frame.Str("sender"), frame.Str("kind")), Is.EqualTo(("relay_server", "presence")), frame.ToString());
            heard.Add((frame.Str("agent"), frame.Str("status")));
        }
        return heard;
    }
}
