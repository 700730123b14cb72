using System.Text.Json;
using SignalRelay.Bench.Measure;
using SignalRelay.Client;
using SignalRelay.Contracts;

namespace SignalRelay.Bench.Doors;

/// <summary>An agent on the SignalR hub, through the typed .NET client.</summary>
public sealed class HubAgent(Uri server, string name, string? token, int index, IdStyle ids, DeliveryLedger ledger) : IBenchAgent
{
    private readonly RelayClient _client = new(new RelayClientOptions
    {
        ServerUrl = server,
        AgentId = name,
        AccessTokenProvider = token is null ? null : () => Task.FromResult<string?>(token),
        ReconnectDelays = [],
    });
    private Task? _receiving;

    public async Task ConnectAsync(CancellationToken ct)
    {
        await _client.ConnectAsync(ct);
        // The hub registers a connection after its handshake; an invocation is only served once that is done.
        await _client.HeartbeatAsync(ct);
        _receiving = ReceiveAsync();
    }

    public async Task SendAsync(int number, string? to, byte[] content, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(content);
        var ack = await _client.SendAsync(new SendRequest
        {
            Id = MessageIds.Of(ids, number),
            To = to,
            Content = document.RootElement,
        }, ct);
        if (ack.Duplicate)
        {
            throw new InvalidOperationException($"Message {number} was acknowledged as a duplicate.");
        }
    }

    private async Task ReceiveAsync()
    {
        await foreach (var envelope in _client.Messages.ReadAllAsync())
        {
            if (BenchPayload.TryRead(envelope.Content, out var payload))
            {
                ledger.RecordDelivery(index, payload);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        if (_receiving is not null)
        {
            await _receiving;
        }
    }
}
