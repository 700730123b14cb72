using System.Diagnostics;

namespace SignalRelay.Bench.Targets;

/// <summary>
/// Another relay users compare us with, measured beside ours when asked (<c>--compare</c>): its passes alternate with
/// the relay's and the transport reference's, driven by the same generator through the door it speaks. The servers
/// live in <c>bench/compare</c> and are copied beside the bench when it is built.
/// </summary>
public sealed record OtherRelay(string Name, Door Door)
{
    /// <summary>A bare relay on Node's <c>ws</c>: frames copied to the other sockets, a one-byte ACK, no store.</summary>
    public static readonly OtherRelay NodeWs = new("node-ws", Door.Transport);

    /// <summary>A relay built to seed 000's description in Python: <c>websockets</c>, v0.3, one SQLite commit per message.</summary>
    public static readonly OtherRelay Seed000 = new("seed000-python", Door.V03);

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "compare");

    public static IReadOnlyList<OtherRelay> Parse(string? names) =>
        [.. (names ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => name switch
        {
            "node-ws" => NodeWs,
            "seed000-python" => Seed000,
            _ => throw new ArgumentException($"--compare: unknown relay '{name}' (node-ws, seed000-python)."),
        })];

    /// <summary>Starts the relay as a child process, its files (if any) in <paramref name="workDir"/>.</summary>
    public Task<ServerProcess> StartAsync(string workDir, string? python) =>
        ServerProcess.StartAsync(Door == Door.Transport ? NodeStartInfo() : PythonStartInfo(workDir, python));

    private static ProcessStartInfo NodeStartInfo()
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules", "ws")))
        {
            throw new InvalidOperationException("node-ws needs the npm packages: run `npm ci --prefix bench/compare`, then build the bench again.");
        }
        var start = new ProcessStartInfo("node") { WorkingDirectory = Folder };
        start.ArgumentList.Add("node-ws-relay.mjs");
        return start;
    }

    private static ProcessStartInfo PythonStartInfo(string workDir, string? python)
    {
        var start = new ProcessStartInfo(python ?? PythonWithWebsockets()) { WorkingDirectory = Folder };
        start.ArgumentList.Add("seed000_relay.py");
        start.ArgumentList.Add(Path.Combine(workDir, "seed000.db"));
        return start;
    }

    /// <summary>
    /// <c>python3</c> from the PATH if it has the <c>websockets</c> package, else Debian's own interpreter, which
    /// is where <c>apt-get install python3-websockets</c> puts it (another python3 may come first on the PATH).
    /// </summary>
    private static string PythonWithWebsockets()
    {
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                using var probe = Process.Start(new ProcessStartInfo(candidate, ["-c", "import websockets"]) { RedirectStandardError = true });
                if (probe is not null && probe.WaitForExit(TimeSpan.FromSeconds(10)) && probe.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed; try the next.
            }
        }
        throw new InvalidOperationException("seed000-python needs Python 3 with the websockets package (Debian: apt-get install python3-websockets), or --python PATH.");
    }
}
