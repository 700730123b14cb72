using System.Diagnostics;
using System.Runtime.InteropServices;
using SignalRelay.Bench.Targets;

namespace SignalRelay.Tests.Infrastructure;

/// <summary>
/// The built relay run as a child process (<c>dotnet Relay.Server.dll</c>, started as the bench starts it), for
/// what only a real process shows: signals, crashes, environment variables. Output is captured for assertions.
/// </summary>
public sealed partial class RelayProcess : IAsyncDisposable
{
    private readonly ServerProcess _server;

    private RelayProcess(ServerProcess server) => _server = server;

    public Uri BaseUri => _server.BaseUri;

    /// <summary>The raw WebSocket door.</summary>
    public Uri RawDoorUri => new($"ws://{BaseUri.Authority}/");
    public int Pid => _server.Pid;
    public bool HasExited => _server.HasExited;
    public int ExitCode => _server.ExitCode;
    public string Output => _server.Output;

    /// <summary>
    /// Starts the relay with <paramref name="environment"/> added to this process's environment and
    /// <paramref name="args"/> on its command line, and waits until it listens.
    /// </summary>
    public static Task<RelayProcess> StartAsync(IDictionary<string, string?> environment, params string[] args) =>
        StartProcessAsync(ServerProcess.RelayStartInfo(), environment, args);

    /// <summary>
    /// Starts the relay on a free loopback port with the given database file, under an open-file limit of
    /// <paramref name="openFiles"/>: util-linux's <c>prlimit</c> sets it and then execs the relay, so the pid is the relay's.
    /// </summary>
    public static Task<RelayProcess> StartOnLoopbackAsync(string databasePath, int openFiles)
    {
        var start = RelayRunBy("prlimit", $"--nofile={openFiles}:{openFiles}");
        return StartProcessAsync(start, new Dictionary<string, string?> { ["DB_PATH"] = databasePath }, ["--urls", "http://127.0.0.1:0"]);
    }

    /// <summary>
    /// Starts the relay on a free loopback port with its database on a volume of its own: a tmpfs of
    /// <paramref name="megabytes"/> mounted over <paramref name="directory"/> in a user and mount namespace of the
    /// relay's own (util-linux's <c>unshare</c>, no privileges needed), so only the relay sees it, and it goes with
    /// the relay. The shell then execs the relay, so the pid is the relay's.
    /// </summary>
    public static Task<RelayProcess> StartOnVolumeAsync(string directory, int megabytes, IDictionary<string, string?> environment)
    {
        var start = RelayRunBy("unshare", "--user", "--map-root-user", "--mount",
            "sh", "-c", "mount -t tmpfs -o size=\"$1\"m tmpfs \"$2\" && shift 2 && exec \"$@\"", "sh", $"{megabytes}", directory);
        var env = new Dictionary<string, string?>(environment) { ["DB_PATH"] = Path.Combine(directory, "relay.db") };
        return StartProcessAsync(start, env, ["--urls", "http://127.0.0.1:0"]);
    }

    /// <summary>The relay's command line run by <paramref name="program"/> with <paramref name="args"/> before it.</summary>
    private static ProcessStartInfo RelayRunBy(string program, params string[] args)
    {
        var relay = ServerProcess.RelayStartInfo();
        var start = new ProcessStartInfo(program) { WorkingDirectory = relay.WorkingDirectory };
        foreach (var arg in args.Append(relay.FileName).Concat(relay.ArgumentList))
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }

    private static async Task<RelayProcess> StartProcessAsync(ProcessStartInfo start, IDictionary<string, string?> environment, string[] args)
    {
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return new RelayProcess(await ServerProcess.StartAsync(start));
    }

    /// <summary>Starts the relay on a free loopback port with the given database file.</summary>
    public static Task<RelayProcess> StartOnLoopbackAsync(string databasePath, IDictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["DB_PATH"] = databasePath };
        return StartAsync(env, "--urls", "http://127.0.0.1:0");
    }

    /// <summary>
    /// Starts the relay on a free loopback port with the given database file without waiting for it to listen, so a
    /// test can signal it during its start-up; <see cref="ListeningAsync"/> waits for the rest.
    /// </summary>
    public static RelayProcess LaunchOnLoopback(string databasePath)
    {
        var start = ServerProcess.RelayStartInfo();
        start.Environment["DB_PATH"] = databasePath;
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        return new RelayProcess(ServerProcess.Launch(start));
    }

    /// <summary>Waits until a relay from <see cref="LaunchOnLoopback"/> listens.</summary>
    public Task ListeningAsync() => _server.ListeningAsync();

    /// <summary>
    /// What a start that must fail printed, up to its exit (<see cref="InvalidOperationException"/> from the start). A relay that
    /// starts after all is stopped before the test fails, so it does not outlive the test.
    /// </summary>
    public static async Task<string> StartFailureAsync(Task<RelayProcess> starting)
    {
        try
        {
            await using var started = await starting;
        }
        catch (InvalidOperationException failure)
        {
            return failure.Message;
        }
        Assert.Fail("The relay started.");
        return "";
    }

    /// <summary>Sends SIGTERM, as a platform does on redeploy.</summary>
    public void Terminate() => Signal(15);

    /// <summary>Sends SIGKILL: the process dies at once, mid-whatever.</summary>
    public void Kill() => Signal(9);

    private void Signal(int signal)
    {
        if (SendSignal(Pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for exit and returns the exit code; throws if it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _server.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The relay did not exit within {timeout}:\n{Output}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
