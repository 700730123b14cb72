using System.Runtime.InteropServices;
using System.Text.Json;
using SignalRelay.Contracts;

namespace SignalRelay.Server.Core;

/// <summary>
/// What an agent says about itself (v0.3 HELLO <c>capabilities</c>, mesh <c>presence</c> data, the hub's <c>Announce</c>).
/// The relay keeps it for as long as it knows the agent, in memory and in the store, and sends it to every agent
/// online with each change, so its size is bounded well below a message's.
/// </summary>
public static class AgentMetadata
{
    /// <summary>Throws <c>INVALID_MESSAGE</c> for metadata over <paramref name="maxBytes"/> of JSON, nested too deep, or that is not text.</summary>
    public static void Check(JsonElement? metadata, int maxBytes)
    {
        if (metadata is not { } given)
        {
            return;
        }
        var json = JsonMarshal.GetRawUtf8Value(given);
        if (json.Length > maxBytes)
        {
            throw new RelayException(ErrorCodes.InvalidMessage,
                $"Agent metadata is {json.Length} bytes of JSON; the most is {maxBytes}. It was refused.");
        }
        if (!JsonText.IsUtf8(given))
        {
            throw new RelayException(ErrorCodes.InvalidMessage, $"The agent metadata is not text. {JsonText.NotUtf8Message}");
        }
        if (JsonText.HasLoneSurrogate(json))
        {
            throw new RelayException(ErrorCodes.InvalidMessage, JsonText.LoneSurrogateMessage);
        }
        if (JsonText.NestsDeeperThan(given, JsonText.MaxNesting))
        {
            throw new RelayException(ErrorCodes.InvalidMessage, $"The agent metadata is too deep. {JsonText.TooDeepMessage}");
        }
    }
}
