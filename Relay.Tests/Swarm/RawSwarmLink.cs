using System.Collections.Concurrent;
using System.Text.Json;
using SignalRelay.Tests.Raw;

namespace SignalRelay.Tests.Swarm;

/// <summary>A raw WebSocket agent, v0.3 or mesh, behind the agent's cuttable proxy.</summary>
public sealed class RawSwarmLink : SwarmLinkBase
{
    private readonly RawSocketClient _client;
    private readonly bool _mesh;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long?>> _acks = new();
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _alwaysOnline;
    private readonly Task _reading;

    private RawSwarmLink(RawSocketClient client, bool mesh, SwarmAgentRecord agent, SwarmConnection connection, string alwaysOnline)
        : base(agent, connection)
    {
        _client = client;
        _mesh = mesh;
        _alwaysOnline = alwaysOnline;
        _reading = Task.Run(ReadAsync);
    }

    /// <param name="alwaysOnline">
    /// An agent online all along: a mesh newcomer is told of it once registered, which stands in for v0.3's WELCOME.
    /// </param>
    public static async Task<RawSwarmLink> OpenAsync(Uri door, bool mesh, SwarmAgentRecord agent, SwarmConnection connection, string alwaysOnline)
    {
        var client = await RawSocketClient.ConnectAsync(door);
        var link = new RawSwarmLink(client, mesh, agent, connection, alwaysOnline);
        var resume = connection.ResumeFrom is long r ? $""","resume_from_seq":{r}""" : "";
        await client.SendAsync(mesh ? RawAgents.Presence(agent.Id, resume) : RawAgents.Hello(agent.Id, resume));
        await link._welcomed.Task.WaitAsync(Wait.Default);
        return link;
    }

    public override async Task<long?> SendAsync(string id, string? to)
    {
        var ack = _acks.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        var frame = _mesh
            ? to is null
                ? $$$"""{"type":"broadcast","id":"{{{id}}}","data":{"n":"{{{id}}}"}}"""
                : $$$"""{"type":"direct","to":"{{{to}}}","id":"{{{id}}}","data":{"n":"{{{id}}}"}}"""
            : RawAgents.Message(Agent.Id, id, id, to is null ? "" : $$""","recipient":"{{to}}" """);
        try
        {
            await _client.SendAsync(frame);
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            return null;
        }
        if (_mesh)
        {
            return null;
        }
        try
        {
            return await ack.Task.WaitAsync(Wait.Default);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    public override async Task LeaveAsync(SwarmExit exit, CuttableProxy proxy)
    {
        Connection.Exit = exit;
        switch (exit)
        {
            case SwarmExit.Goodbye:
                await _client.SendAsync("""{"protocol_version":"0.3","message_type":"GOODBYE"}""");
                await _client.ClosedWithinAsync();
                break;
            case SwarmExit.ClientClose:
                await _client.CloseAsync();
                break;
            case SwarmExit.Cut:
                proxy.CutClients();
                await _client.ClosedWithinAsync();
                break;
        }
        await EndedAsync();
    }

    public override async Task EndedAsync() => await _reading.WaitAsync(Wait.Default);

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var frame in _client.Frames.ReadAllAsync())
            {
                if (_mesh)
                {
                    ReadMesh(frame);
                }
                else
                {
                    ReadV03(frame);
                }
            }
        }
        finally
        {
            foreach (var ack in _acks.Values)
            {
                ack.TrySetResult(null);
            }
        }
    }

    private void ReadV03(JsonElement frame)
    {
        switch (frame.Str("message_type"))
        {
            case "WELCOME":
                _welcomed.TrySetResult();
                break;
            case "ACK":
                Agent.Ledger.Acked(Agent.Id, frame.Str("message_id")!, frame.Long("seq"));
                _acks.GetOrAdd(frame.Str("message_id")!, _ => new()).TrySetResult(frame.Long("seq"));
                break;
            case "ERROR":
                Errors.Enqueue(frame.Str("error_code")!);
                if (frame.Str("message_id") is { } refused)
                {
                    _acks.GetOrAdd(refused, _ => new()).TrySetResult(null);
                }
                break;
            case "MESSAGE" when frame.Str("sender") != "relay_server":
                Received(frame.Long("seq"), frame.Str("sender")!, frame.Str("message_id")!, frame.Str("recipient"));
                break;
        }
    }

    private void ReadMesh(JsonElement frame)
    {
        if (frame.Str("type") == "presence")
        {
            if (frame.Str("from") == _alwaysOnline)
            {
                _welcomed.TrySetResult();
            }
            return;
        }
        if (frame.Str("type") == "error" && frame.Str("from") == "relay")
        {
            Errors.Enqueue(frame.ErrorCode()!);
            return;
        }
        Received(frame.Long("seq"), frame.Str("from")!, frame.Str("id")!, frame.Str("to"));
    }

    public override async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _reading;
    }
}
