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
        RelayBus bus, HubSession session, string? to, ChannelReader<JsonElement> items, CancellationToken aborted)
    {
        var agent = session.AgentId;
        var order = session.StreamOrder;
        var streamId = Guid.NewGuid().ToString("N");
        HubStreamOrder.OpenStream stream;
        try
        {
            stream = order.Open(items);
        }
        catch (RelayException tooMany)
        {
            await RefuseAsync(session, items, tooMany, aborted);
            throw;
        }
        var relayed = 0;
        RelayException? refused = null;
        var closed = false;
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
                    // A connection replaced (or the relay draining) has its calls refused until it is closed; so has its stream.
                    if (session.CloseReason is { } closing)
                    {
                        closed = true;
                        throw new RelayException(closing);
                    }
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
                ex is OperationCanceledException || closed ? "the sender's connection closed" : "the sender ended it with an error");
            throw;
        }
        if (refused is not null)
        {
            await EndCutOffAsync(bus, agent, to, streamId, relayed, stream, order,
                closed ? "the sender's connection closed" : $"an item was refused ({refused.Error.Code})");
            throw refused;
        }
        var count = JsonSerializer.SerializeToElement(relayed, RelayJsonContext.Default.Int32);
        return await EndAsync(bus, agent, Part(streamId, "end", to, EnvelopeKinds.TurnEnd, count), stream, order, aborted);
    }

    /// <summary>
    /// Reads a refused stream to its end, dropping its items: SignalR takes the client's end of a stream whose call has
    /// ended for a reply to a call of its own and fails the whole connection. A client that keeps opening streams past
    /// the limit while as many refused ones are still open is disconnected, since each of them holds memory too.
    /// </summary>
    private static async Task RefuseAsync(HubSession session, ChannelReader<JsonElement> items, RelayException refusal, CancellationToken aborted)
    {
        if (!session.StreamOrder.TryStartRefusal())
        {
            session.Close(refusal.Error, drain: false);
            return;
        }
        try
        {
            while (await items.WaitToReadAsync(aborted))
            {
                while (items.TryRead(out _))
                {
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The client ended the refused stream with an error of its own: it is over all the same.
        }
        finally
        {
            session.StreamOrder.EndRefusal();
        }
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
