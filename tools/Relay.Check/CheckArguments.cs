namespace SignalRelay.Check;

/// <summary>The checker's command line: <c>URL [--token T] [--agent NAME] [--timeout SECONDS]</c>.</summary>
public sealed record CheckArguments(Uri Url, string? Token, string Agent, TimeSpan Timeout)
{
    public const string Usage =
        "usage: Relay.Check ws://host:port/ [--token TOKEN] [--agent NAME] [--timeout SECONDS]\n" +
        "  Walks HELLO/WELCOME, PING/PONG, MESSAGE/ACK, REQUEST_HISTORY/HISTORY_RESPONSE and GOODBYE\n" +
        "  against a relay (ws:// or wss://). Exits 0 only when every step passes.";

    /// <summary>The parsed arguments, or null with the reason in <paramref name="error"/>.</summary>
    public static CheckArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        Uri? url = null;
        string? token = null;
        var agent = $"relay-check-{Guid.NewGuid().ToString("N")[..8]}";
        var timeout = TimeSpan.FromSeconds(10);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--token" or "--agent" or "--timeout")
            {
                if (i + 1 >= args.Count)
                {
                    error = $"{arg} needs a value.";
                    return null;
                }
                var value = args[++i];
                switch (arg)
                {
                    case "--token":
                        token = value;
                        break;
                    case "--agent":
                        agent = value;
                        break;
                    default:
                        if (!double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                        {
                            error = $"--timeout must be a positive number of seconds, not '{value}'.";
                            return null;
                        }
                        timeout = TimeSpan.FromSeconds(seconds);
                        break;
                }
            }
            else if (url is null && Uri.TryCreate(arg, UriKind.Absolute, out var parsed) && parsed.Scheme is "ws" or "wss")
            {
                url = parsed;
            }
            else
            {
                error = $"Unexpected argument '{arg}' (the URL must start with ws:// or wss://).";
                return null;
            }
        }
        if (url is null)
        {
            error = "Give the relay's URL, e.g. ws://localhost:8080/.";
            return null;
        }
        return new CheckArguments(url, token, agent, timeout);
    }
}
