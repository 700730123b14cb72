using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SignalRelay.Check;

/// <summary>
/// Walks a v0.3 conversation against a relay, printing each step: HELLO/WELCOME, PING/PONG, MESSAGE/ACK,
/// REQUEST_HISTORY/HISTORY_RESPONSE, GOODBYE. Exit code 0 when every step passed, 1 when one failed, 2 on bad usage.
/// </summary>
public static class ConnectionCheck
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var parsed = CheckArguments.Parse(args, out var error);
        if (parsed is null)
        {
            await output.WriteLineAsync($"{error}\n{CheckArguments.Usage}");
            return 2;
        }
        await output.WriteLineAsync($"Checking {parsed.Url} as agent '{parsed.Agent}'");

        CheckSocket? socket = null;
        var state = new ConversationState();
        (string Name, Func<Task<string>> Run)[] steps =
        [
            ("connect", async () =>
            {
                socket = await CheckSocket.ConnectAsync(parsed);
                return "WebSocket open";
            }),
            ("HELLO -> WELCOME", () => HelloAsync(socket!, parsed)),
            ("PING -> PONG", () => PingAsync(socket!)),
            ("MESSAGE -> ACK", () => MessageAsync(socket!, parsed, state)),
            ("REQUEST_HISTORY -> HISTORY_RESPONSE", () => HistoryAsync(socket!, state)),
            ("GOODBYE", () => GoodbyeAsync(socket!)),
        ];

        try
        {
            foreach (var (name, run) in steps)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    var detail = await run();
                    await output.WriteLineAsync($"  PASS  {name,-36} {detail} ({watch.ElapsedMilliseconds} ms)");
                }
                catch (CheckFailedException ex)
                {
                    await output.WriteLineAsync($"  FAIL  {name,-36} {ex.Message}");
                    await output.WriteLineAsync($"Check failed at '{name}'.");
                    return 1;
                }
            }
        }
        finally
        {
            socket?.Dispose();
        }
        await output.WriteLineAsync($"All {steps.Length} steps passed.");
        return 0;
    }

    private sealed class ConversationState
    {
        public string MessageId { get; } = $"check-{Guid.NewGuid():N}";
        public DateTimeOffset SentAt { get; set; }
        public long? Seq { get; set; }
    }

    private static async Task<string> HelloAsync(CheckSocket socket, CheckArguments args)
    {
        var hello = new JsonObject { ["message_type"] = "HELLO", ["sender"] = args.Agent, ["capabilities"] = new JsonObject() };
        if (args.Token is not null)
        {
            hello["token"] = args.Token;
        }
        await socket.SendAsync(hello);
        var welcome = await socket.ExpectAsync("WELCOME");
        return $"session {welcome["session_id"]}, {welcome["connected_agents"]} agent(s) connected";
    }

    private static async Task<string> PingAsync(CheckSocket socket)
    {
        await socket.SendAsync(new JsonObject { ["message_type"] = "PING" });
        var pong = await socket.ExpectAsync("PONG");
        return $"relay time {pong["timestamp"]}";
    }

    /// <summary>Sends the message to the checker itself, so no other agent is disturbed.</summary>
    private static async Task<string> MessageAsync(CheckSocket socket, CheckArguments args, ConversationState state)
    {
        state.SentAt = DateTimeOffset.UtcNow;
        await socket.SendAsync(new JsonObject
        {
            ["message_type"] = "MESSAGE",
            ["message_id"] = state.MessageId,
            ["sender"] = args.Agent,
            ["recipient"] = args.Agent,
            ["content"] = "relay connection check",
            ["timestamp"] = state.SentAt.ToString("O"),
        });
        var ack = await socket.ExpectAsync("ACK");
        var acked = ack["message_id"]?.GetValue<string>();
        if (acked != state.MessageId)
        {
            throw new CheckFailedException($"the ACK names message '{acked}', not '{state.MessageId}'");
        }
        state.Seq = ack["seq"]?.GetValue<long>();
        return state.Seq is { } seq ? $"committed as seq {seq}" : "acknowledged";
    }

    private static async Task<string> HistoryAsync(CheckSocket socket, ConversationState state)
    {
        var request = new JsonObject { ["message_type"] = "REQUEST_HISTORY", ["limit"] = 100 };
        if (state.Seq is { } seq)
        {
            request["since_seq"] = seq - 1;
        }
        else
        {
            request["since_timestamp"] = state.SentAt.AddMinutes(-1).ToString("O");
        }
        await socket.SendAsync(request);
        var response = await socket.ExpectAsync("HISTORY_RESPONSE");
        var messages = response["messages"] as JsonArray
            ?? throw new CheckFailedException("HISTORY_RESPONSE has no 'messages' list");
        if (!messages.Any(m => m?["message_id"]?.GetValue<string>() == state.MessageId))
        {
            throw new CheckFailedException($"the message just sent is not among the {messages.Count} returned");
        }
        return $"the message is among the {messages.Count} returned";
    }

    private static async Task<string> GoodbyeAsync(CheckSocket socket)
    {
        await socket.SendAsync(new JsonObject { ["message_type"] = "GOODBYE" });
        var status = await socket.ExpectCloseAsync();
        return $"the relay closed the connection ({(int?)status})";
    }
}
