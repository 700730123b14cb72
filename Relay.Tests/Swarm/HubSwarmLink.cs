using SignalRelay.Client;

namespace SignalRelay.Tests.Swarm;

/// <summary>A hub agent: a <see cref="RelayClient"/> behind the agent's cuttable proxy.</summary>
public sealed class HubSwarmLink : SwarmLinkBase
{
    private readonly RelayClient _client;
    private readonly Task _reading;

    private HubSwarmLink(RelayClient client, SwarmAgentRecord agent, SwarmConnection connection) : base(agent, connection)
    {
        _client = client;
        _reading = Task.Run(ReadAsync);
    }

    public RelayClient Client => _client;

    /// <summary>The reconnect after the last cut the client was put through, once it has come back.</summary>
    public Task Reconnecting { get; set; } = Task.CompletedTask;

    /// <param name="reconnects">Whether the client reconnects by itself after a cut, or the agent is gone with it.</param>
    public static async Task<HubSwarmLink> OpenAsync(Uri server, SwarmAgentRecord agent, SwarmConnection connection, bool reconnects)
    {
        var client = new RelayClient(new RelayClientOptions
        {
            ServerUrl = server,
            AgentId = agent.Id,
            ResumeFromSeq = connection.ResumeFrom,
            ReconnectDelays = reconnects ? [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)] : [],
        });
        var link = new HubSwarmLink(client, agent, connection);
        client.ErrorReceived += e => link.Errors.Enqueue(e.Code);
        await client.ConnectAsync();
        return link;
    }

    public override async Task<long?> SendAsync(string id, string? to)
    {
        try
        {
            var content = Json.Parse($$$"""{"n":"{{{id}}}"}""");
            var ack = to is null ? await _client.BroadcastAsync(content, id) : await _client.DirectAsync(to, content, id);
            Agent.Ledger.Acked(Agent.Id, id, ack.Seq);
            return ack.Seq;
        }
        catch (Exception)
        {
            // Cut, replaced or refused: not acknowledged, so the agent sends it again on its next connection.
            return null;
        }
    }

    public override async Task LeaveAsync(SwarmExit exit, CuttableProxy proxy)
    {
        Connection.Exit = exit;
        if (exit == SwarmExit.Cut)
        {
            var closed = Wait.ForEventAsync<Exception?>(h => _client.Closed += h, _ => true, "the hub client to give up");
            proxy.CutClients();
            await closed;
        }
        else
        {
            await Reconnecting;
        }
        await _client.DisposeAsync();
        await EndedAsync();
    }

    public override async Task EndedAsync()
    {
        try
        {
            await _reading.WaitAsync(Wait.Default);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Agent.Id} c{Connection.Index} (hub, {Connection.Exit}) did not end: client {_client.State}, " +
                $"errors [{string.Join(",", Errors)}]");
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var envelope in _client.Messages.ReadAllAsync())
            {
                Received(envelope.Seq, envelope.From, envelope.Id, envelope.To);
            }
        }
        catch (Exception)
        {
            // The client ended with the error that closed it; what it handed out before is recorded.
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _reading;
    }
}
