using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using SignalRelay.Bench.Measure;

namespace SignalRelay.Bench.Targets;

/// <summary>
/// A server run as a child process, so its CPU seconds and peak RSS are its own: the relay, the bench's
/// transport reference, or (for the tests) the relay with whatever arguments a test needs. It is ready once it
/// logs where it listens; its output is kept; it is killed on dispose.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private const string LoopbackUrls = "http://127.0.0.1:0";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process) => _process = process;

    public Uri BaseUri => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("Not listening yet.");
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public double CpuSeconds => ProcessStats.CpuSeconds(Pid);
    public double PeakRssMiB => ProcessStats.PeakRssMiB(Pid);
    public double RssMiB => ProcessStats.RssMiB(Pid);

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The relay from the build output beside the bench, with a fresh database and the bench's settings.</summary>
    public static Task<ServerProcess> StartRelayAsync(string databasePath, IReadOnlyDictionary<string, string> settings)
    {
        var start = RelayStartInfo();
        start.Environment["DB_PATH"] = databasePath;
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(LoopbackUrls);
        return StartAsync(start);
    }

    /// <summary>This bench's own executable in transport-reference mode.</summary>
    public static Task<ServerProcess> StartTransportAsync() => StartSelfAsync(BenchCommand.ServeTransport, "--urls", LoopbackUrls);

    /// <summary>This bench's own executable in one of its hidden serving modes.</summary>
    public static Task<ServerProcess> StartSelfAsync(string mode, params string[] args)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The bench cannot find its own executable.");
        var start = new ProcessStartInfo(self) { WorkingDirectory = AppContext.BaseDirectory };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
        }
        start.ArgumentList.Add(mode);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return StartAsync(start);
    }

    /// <summary><c>dotnet Relay.Server.dll</c> from the build output beside this assembly, with no arguments yet.</summary>
    public static ProcessStartInfo RelayStartInfo()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Relay.Server.dll"));
        return start;
    }

    /// <summary>Starts <paramref name="start"/> and waits until the server logs where it listens.</summary>
    public static async Task<ServerProcess> StartAsync(ProcessStartInfo start)
    {
        var server = Launch(start);
        try
        {
            await server.ListeningAsync();
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>
    /// Starts <paramref name="start"/> without waiting for it to listen: for a test that stops the server during its
    /// start-up. <see cref="ListeningAsync"/> waits for the rest.
    /// </summary>
    public static ServerProcess Launch(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment.Remove("ASPNETCORE_URLS");
        GeneratorSockets.LeaveOut(start);

        var server = new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start."));
        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        _ = server.FailIfItExitsAsync();
        return server;
    }

    /// <summary>Waits until the server logs where it listens, for at most 30 s.</summary>
    public async Task ListeningAsync()
    {
        try
        {
            await _listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The server did not start listening:\n{Output}");
        }
    }

    // WaitForExitAsync returns only once the redirected output has been read to its end, so the error carries
    // what the server printed before it stopped (the Exited event can come before those last lines).
    private async Task FailIfItExitsAsync()
    {
        await _process.WaitForExitAsync();
        _listening.TrySetException(new InvalidOperationException($"The server exited early, with code {_process.ExitCode}:\n{Output}"));
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct);
        return _process.ExitCode;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            // A long run prints a lot: keep the last 32–64 KiB.
            if (_output.Length > 64 * 1024) _output.Remove(0, 32 * 1024);
            _output.AppendLine(line);
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            // A server bound to every interface is reached on loopback.
            _listening.TrySetResult(new Uri(match.Groups[1].Value.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1")));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

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
