using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Hub;

/// <summary>
/// Relays a hub client's stream: each item as a <c>stream</c> envelope, then a <c>turn_end</c> with their count. A stream
/// cut off any other way (the client's error, its connection gone, an item refused) ends with an <c>error</c> envelope
/// saying so, so that no receiver waits on a stream that will not go on. Items are paced to the sender's budget, not
/// refused for it.
/// </summary>
public static class HubStreams
{
    public static async Task<SendAck> RelayAsync(
        RelayBus bus, string agent, string? to, ChannelReader<JsonElement> items, HubStreamOrder order, CancellationToken aborted)
    {
        var streamId = Guid.NewGuid().ToString("N");
        var stream = order.Open(items);
        var relayed = 0;
        RelayException? refused = null;
        try
        {
            while (await items.WaitToReadAsync(aborted))
            {
                // After a refusal the client's remaining items are read and dropped: SignalR fails the whole connection
                // on items for a stream whose call has already ended.
                if (refused is not null || !items.TryPeek(out var item))
                {
                    order.DropNextItem(stream);
                    continue;
                }
                try
                {
                    await order.TurnOfNextItem(stream);
                    var part = await bus.PacedAsync(agent, Part(streamId, relayed.ToString(CultureInfo.InvariantCulture), to, EnvelopeKinds.Stream, item), aborted);
                    await order.QueueNextItem(stream, () => bus.SubmitPaced(part, aborted));
                    relayed++;
                }
                catch (RelayException ex)
                {
                    refused = ex;
                }
            }
        }
        catch (Exception ex)
        {
            await EndCutOffAsync(bus, agent, to, streamId, relayed, stream, order,
                ex is OperationCanceledException ? "the sender's connection closed" : "the sender ended it with an error");
            throw;
        }
        if (refused is not null)
        {
            await EndCutOffAsync(bus, agent, to, streamId, relayed, stream, order, $"an item was refused ({refused.Error.Code})");
            throw refused;
        }
        var count = JsonSerializer.SerializeToElement(relayed, RelayJsonContext.Default.Int32);
        return await EndAsync(bus, agent, Part(streamId, "end", to, EnvelopeKinds.TurnEnd, count), stream, order, aborted);
    }

    /// <summary>Queues the stream's last envelope in its turn and closes the stream, even if that fails.</summary>
    private static async Task<SendAck> EndAsync(
        RelayBus bus, string agent, SendRequest end, HubStreamOrder.OpenStream stream, HubStreamOrder order, CancellationToken ct)
    {
        PendingPublish last;
        try
        {
            await order.TurnOfNextItem(stream);
            last = await bus.PacedAsync(agent, end, ct);
        }
        catch
        {
            order.Close(stream);
            throw;
        }
        return await order.CloseWith(stream, () => bus.SubmitPaced(last, ct));
    }

    private static async Task EndCutOffAsync(
        RelayBus bus, string agent, string? to, string streamId, int relayed, HubStreamOrder.OpenStream stream, HubStreamOrder order, string why)
    {
        var error = new RelayError
        {
            Code = ErrorCodes.StreamAborted,
            Message = $"The stream ended after {relayed} item(s) without its turn_end: {why}.",
            Recoverable = false,
        };
        try
        {
            // Not the connection's token: the connection may be what is gone.
            await EndAsync(bus, agent, Part(streamId, "aborted", to, EnvelopeKinds.Error,
                JsonSerializer.SerializeToElement(error, RelayJsonContext.Default.RelayError)), stream, order, CancellationToken.None);
        }
        catch (RelayException)
        {
            // The store is failing: that is logged where it fails, and the sender is told of its own failure.
        }
    }

    private static SendRequest Part(string streamId, string part, string? to, string kind, JsonElement content) =>
        new() { Id = $"{streamId}:{part}", To = to, Kind = kind, Content = content };
}
