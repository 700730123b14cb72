using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace SignalRelay.Tests.Browser;

/// <summary>
/// A node script from Relay.Tests/js speaking the line protocol of lines.mjs: commands go in on stdin,
/// events come out on stdout. Answers to commands ("done"/"failed") are kept apart from the script's own
/// events. Disposing closes stdin, and kills the whole process tree if it does not exit promptly.
/// </summary>
public sealed class NodeScript : IAsyncDisposable
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<JsonElement> _answers = Channel.CreateUnbounded<JsonElement>();
    private readonly StringBuilder _stderr = new();

    private NodeScript(Process process)
    {
        _process = process;
    }

    /// <summary>Everything the script emitted other than answers to commands, in order.</summary>
    public ChannelReader<JsonElement> Events => _events.Reader;

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public static NodeScript Start(string script, params string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = JsEnvironment.ScriptsDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var node = new NodeScript(Process.Start(start) ?? throw new InvalidOperationException("node did not start."));
        node._process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        node._process.ErrorDataReceived += (_, e) =>
        {
            lock (node._stderr) node._stderr.AppendLine(e.Data);
        };
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    /// <summary>The next event named <paramref name="name"/>; earlier events of other names are skipped.</summary>
    public async Task<JsonElement> NextEventAsync(string name, TimeSpan? timeout = null)
    {
        try
        {
            while (true)
            {
                var item = await Wait.NextAsync(_events.Reader, timeout, $"the event '{name}' from {_process.StartInfo.ArgumentList[0]}");
                if (item.GetProperty("event").GetString() == name)
                {
                    return item;
                }
            }
        }
        catch (Exception ex) when (ex is TimeoutException or ChannelClosedException)
        {
            throw new TimeoutException($"{ex.Message} Script stderr:\n{Stderr}", ex);
        }
    }

    /// <summary>Runs one command and returns its result, or throws with the script's reason.</summary>
    public async Task<JsonElement> RunAsync(JsonObject command, TimeSpan? timeout = null)
    {
        var answer = await AnswerAsync(command, timeout);
        if (answer.GetProperty("event").GetString() == "failed")
        {
            throw new AssertionException($"'{command["cmd"]}' failed in the script: {answer.GetProperty("error").GetString()}");
        }
        return answer.GetProperty("result");
    }

    /// <summary>Runs one command that must fail, and returns the script's reason.</summary>
    public async Task<string> FailureOfAsync(JsonObject command, TimeSpan? timeout = null)
    {
        var answer = await AnswerAsync(command, timeout);
        if (answer.GetProperty("event").GetString() != "failed")
        {
            Assert.Fail($"'{command["cmd"]}' was expected to fail but returned {answer.GetProperty("result")}.");
        }
        return answer.GetProperty("error").GetString()!;
    }

    private async Task<JsonElement> AnswerAsync(JsonObject command, TimeSpan? timeout)
    {
        var name = command["cmd"]!.GetValue<string>();
        await _process.StandardInput.WriteLineAsync(command.ToJsonString());
        await _process.StandardInput.FlushAsync();
        try
        {
            return await Wait.NextAsync(_answers.Reader, timeout, $"the answer to '{name}'");
        }
        catch (Exception ex) when (ex is TimeoutException or ChannelClosedException)
        {
            throw new TimeoutException($"'{name}' got no answer. Script stderr:\n{Stderr}", ex);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _events.Writer.TryComplete();
            _answers.Writer.TryComplete();
            return;
        }
        JsonElement item;
        try
        {
            item = JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException)
        {
            lock (_stderr) _stderr.AppendLine($"[stdout] {line}");
            return;
        }
        var kind = item.GetProperty("event").GetString();
        (kind is "done" or "failed" ? _answers : _events).Writer.TryWrite(item);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(ExitGrace);
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
