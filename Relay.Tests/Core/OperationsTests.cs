using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using SignalRelay.Server.Core;
using SignalRelay.Server.Storage;

namespace SignalRelay.Tests.Core;

public sealed class OperationsTests
{
    [Test]
    public async Task Healthz_is_OK_and_readyz_turns_503_while_draining_and_new_connections_are_refused()
    {
        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri };

        var health = await http.GetAsync("/healthz");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("OK"));
        Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        relay.Services.GetRequiredService<DrainState>().Begin();

        Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That((await http.GetAsync("/healthz")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "liveness holds while draining");
        var late = relay.CreateClient("late");
        Assert.That(async () => await late.ConnectAsync(), Throws.Exception, "no new connections while draining");
    }

    [Test]
    public async Task Readyz_turns_503_when_the_store_stops_answering()
    {
        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        Assert.That((await http.GetAsync("/readyz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // The database vanishes under the running relay (a lost volume): new connections find no schema.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(relay.DatabasePath)!, "relay.db*"))
        {
            File.Delete(file);
        }

        var ready = await http.GetAsync("/readyz");
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That((await http.GetAsync("/healthz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Api_agents_lists_known_agents_with_status_and_protocol()
    {
        await using var relay = await TestRelay.StartAsync();
        var alice = await relay.ConnectAsync("alice");
        var bob = await relay.ConnectAsync("bob");
        await bob.DisposeAsync();
        await ReplayTests.WaitOffline(relay, "bob");
        using var http = new HttpClient { BaseAddress = relay.BaseUri };

        var agents = await http.GetFromJsonAsync<AgentInfo[]>("/api/agents");

        Assert.That(agents!.Select(a => (a.Id, a.Online, a.Protocol)),
            Is.EqualTo(new[] { ("alice", true, "signalr"), ("bob", false, "signalr") }));
        Assert.That(alice.State, Is.EqualTo(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected));
    }

    [Test]
    public async Task The_hand_written_migrations_match_the_model_and_are_applied_at_start()
    {
        await using var relay = await TestRelay.StartAsync();
        var factory = relay.Services.GetRequiredService<IDbContextFactory<RelayDbContext>>();
        await using var db = await factory.CreateDbContextAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(db.Database.HasPendingModelChanges(), Is.False, "the model differs from the migrations' snapshot");
            Assert.That(await db.Database.GetPendingMigrationsAsync(), Is.Empty);
            Assert.That(await db.Database.GetAppliedMigrationsAsync(), Does.Contain("20261121000000_Initial"));
        });
    }
}
