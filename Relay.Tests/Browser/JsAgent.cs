using System.Text.Json.Nodes;

namespace SignalRelay.Tests.Browser;

/// <summary>Starts js/signalr-agent.mjs (the official SignalR client in node) against a relay.</summary>
public static class JsAgent
{
    public static NodeScript Start(TestRelay relay, string agent, string transport, string? token = null) =>
        Start(relay.BaseUri, agent, transport, token);

    /// <summary>
    /// Connects to <paramref name="baseUri"/> (a relay, or a proxy in front of one); with <paramref name="reconnectAfter"/>,
    /// reconnects by itself that long after losing the connection, resuming after the last seq it received.
    /// </summary>
    public static NodeScript Start(Uri baseUri, string agent, string transport, string? token = null, TimeSpan? reconnectAfter = null)
    {
        var args = new List<string>
        {
            "--url", baseUri.GetLeftPart(UriPartial.Authority),
            "--agent", agent,
            "--transport", transport,
        };
        if (token is not null)
        {
            args.AddRange(["--token", token]);
        }
        if (reconnectAfter is { } delay)
        {
            args.AddRange(["--reconnect-after-ms", ((int)delay.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        return NodeScript.Start("signalr-agent.mjs", [.. args]);
    }

    /// <summary>The "send" command: the hub's Send with a <c>{"text": ...}</c> payload.</summary>
    public static JsonObject Send(string? to, string id, string text) => new()
    {
        ["cmd"] = "send",
        ["request"] = new JsonObject
        {
            ["id"] = id,
            ["to"] = to,
            ["content"] = new JsonObject { ["text"] = text },
        },
    };

    /// <summary>The "invoke" command: any hub method, with its arguments as the JS client would pass them.</summary>
    public static JsonObject Invoke(string method, params JsonNode?[] args) => new()
    {
        ["cmd"] = "invoke",
        ["method"] = method,
        ["args"] = new JsonArray(args),
    };
}
