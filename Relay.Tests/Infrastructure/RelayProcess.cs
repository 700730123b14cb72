using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// The built relay run as a child process (<c>dotnet Relay.Server.dll</c>), for what only a real process
/// shows: signals, crashes, environment variables. Output is captured for assertions.
/// </summary>
public sealed partial class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RelayProcess(Process process)
    {
        _process = process;
    }

    public Uri BaseUri => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("Not listening yet.");
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// Starts the relay with <paramref name="environment"/> added to this process's environment and
    /// <paramref name="args"/> on its command line, and waits until it listens.
    /// </summary>
    public static async Task<RelayProcess> StartAsync(IDictionary<string, string?> environment, params string[] args)
    {
        var serverDll = Path.Combine(AppContext.BaseDirectory, "Relay.Server.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(serverDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment.Remove("ASPNETCORE_URLS");

        var relay = new RelayProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
        relay._process.OutputDataReceived += (_, e) => relay.OnLine(e.Data);
        relay._process.ErrorDataReceived += (_, e) => relay.OnLine(e.Data);
        relay._process.BeginOutputReadLine();
        relay._process.BeginErrorReadLine();
        relay._process.EnableRaisingEvents = true;
        relay._process.Exited += (_, _) => relay._listening.TrySetException(new InvalidOperationException($"The relay exited early:\n{relay.Output}"));

        try
        {
            await relay._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            await relay.DisposeAsync();
            throw new TimeoutException($"The relay did not start listening:\n{relay.Output}");
        }
        return relay;
    }

    /// <summary>Starts the relay on a free loopback port with the given database file.</summary>
    public static Task<RelayProcess> StartOnLoopbackAsync(string databasePath, IDictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["DB_PATH"] = databasePath };
        return StartAsync(env, "--urls", "http://127.0.0.1:0");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output) _output.AppendLine(line);
        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1")));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    /// <summary>Sends SIGTERM, as a platform does on redeploy.</summary>
    public void Terminate() => Signal(15);

    /// <summary>Sends SIGKILL: the process dies at once, mid-whatever.</summary>
    public void Kill() => Signal(9);

    private void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for exit and returns the exit code; throws if it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The relay did not exit within {timeout}:\n{Output}");
        }
        return _process.ExitCode;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
