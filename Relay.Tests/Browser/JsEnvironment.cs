namespace SignalRelay.Tests.Browser;

/// <summary>
/// What the node-driven tests need: node, the npm packages in Relay.Tests/js and (for the page) Chromium.
/// On a developer machine without them the tests are ignored with the reason; on CI (<c>CI=true</c>)
/// they fail instead, because CI installs them with .ci/install-browser.sh.
/// </summary>
public static class JsEnvironment
{
    private const string InstallHint = "Install them with .ci/install-browser.sh (apt chromium + npm ci in Relay.Tests/js).";

    /// <summary>Debian's chromium package; RELAY_CHROMIUM points elsewhere.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("RELAY_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Relay.Tests/js in the source tree, found from the test binaries upwards.</summary>
    public static string ScriptsDirectory { get; } = FindScriptsDirectory();

    public static void RequireNodePackages()
    {
        if (FindOnPath("node") is null)
        {
            Missing($"node is not on PATH. {InstallHint}");
        }
        foreach (var package in new[] { "@microsoft/signalr", "playwright-core", "ws" })
        {
            if (!File.Exists(Path.Combine(ScriptsDirectory, "node_modules", package, "package.json")))
            {
                Missing($"The npm package {package} is missing from {ScriptsDirectory}/node_modules. {InstallHint}");
            }
        }
    }

    public static void RequireChromium()
    {
        RequireNodePackages();
        if (!File.Exists(ChromiumPath))
        {
            Missing($"Chromium is not installed at {ChromiumPath}. {InstallHint}");
        }
    }

    private static void Missing(string reason)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"CI=true, so this test must run: {reason}");
        }
        Assert.Ignore(reason);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private static string FindScriptsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Relay.Tests", "js");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"Relay.Tests/js not found above {AppContext.BaseDirectory}.");
    }
}
