using System.Diagnostics;

namespace SignalRelay.Tests.Raw;

/// <summary>
/// Finds the built checker (tools/Relay.Check) beside this test build, building it once when only the test
/// project was built.
/// </summary>
public static class CheckerBuild
{
    private static readonly Lazy<Task<string>> Dll = new(LocateOrBuildAsync);

    public static Task<string> DllAsync() => Dll.Value;

    private static async Task<string> LocateOrBuildAsync()
    {
        // Tests run from <root>/Relay.Tests/bin/<Configuration>/<tfm>/.
        var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfmDirectory.Parent!.Name;
        var root = tfmDirectory;
        while (!File.Exists(Path.Combine(root.FullName, "SignalRelay.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("SignalRelay.sln not found above the test directory.");
        }
        var project = Path.Combine(root.FullName, "tools", "Relay.Check");
        var dll = Path.Combine(project, "bin", configuration, tfmDirectory.Name, "Relay.Check.dll");
        if (!File.Exists(dll))
        {
            var build = new ProcessStartInfo("dotnet", ["build", project, "-c", configuration, "--nologo", "-v", "q"]) { UseShellExecute = false };
            using var process = Process.Start(build) ?? throw new InvalidOperationException("dotnet build did not start.");
            await process.WaitForExitAsync();
            if (process.ExitCode != 0 || !File.Exists(dll))
            {
                throw new InvalidOperationException($"Building the checker failed (exit {process.ExitCode}).");
            }
        }
        return dll;
    }
}
