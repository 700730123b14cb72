using System.Diagnostics;
using System.Text.Json;
using YamlDotNet.Serialization;

namespace SignalRelay.Tests.Deploy;

/// <summary>
/// The repository's deployment files, each parsed by a real parser for its format and handed back as JSON
/// so tests read them alike. TOML goes through Python's standard tomllib (no TOML package restores from
/// the NuGet source here); YAML through YamlDotNet; JSON through System.Text.Json.
/// </summary>
public static class DeployFiles
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string DeployFolder => Path.Combine(RepositoryRoot, "deploy");

    public static string PathOf(string relative) => Path.Combine(RepositoryRoot, relative);

    public static async Task<JsonElement> ParseAsync(string path) => Path.GetExtension(path) switch
    {
        ".toml" => await ParseTomlAsync(path),
        ".yaml" or ".yml" => ParseYaml(await File.ReadAllTextAsync(path)),
        ".json" => JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement.Clone(),
        _ => throw new NotSupportedException($"No parser for {path}."),
    };

    /// <summary>A Procfile: one <c>name: command</c> per non-empty line.</summary>
    public static async Task<Dictionary<string, string>> ParseProcfileAsync(string path)
    {
        var processes = new Dictionary<string, string>();
        foreach (var line in (await File.ReadAllLinesAsync(path)).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            var colon = line.IndexOf(':');
            var name = colon > 0 ? line[..colon] : "";
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') || line[(colon + 1)..].Trim().Length == 0)
            {
                throw new FormatException($"{path}: '{line}' is not a 'name: command' line.");
            }
            processes.Add(name, line[(colon + 1)..].Trim());
        }
        return processes;
    }

    private static JsonElement ParseYaml(string yaml)
    {
        var graph = new DeserializerBuilder().Build().Deserialize<object>(yaml);
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(graph);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static async Task<JsonElement> ParseTomlAsync(string path)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import json, sys, tomllib; json.dump(tomllib.load(open(sys.argv[1], 'rb')), sys.stdout)");
        start.ArgumentList.Add(path);
        Process python;
        try
        {
            python = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("python3 (3.11+, for tomllib) is needed to parse TOML: run .ci/install-deploy.sh.", ex);
        }
        using (python)
        {
            var output = python.StandardOutput.ReadToEndAsync();
            var error = python.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await python.WaitForExitAsync(timeout.Token);
            if (python.ExitCode != 0)
            {
                throw new FormatException($"{path} is not valid TOML:\n{await error}");
            }
            return JsonDocument.Parse(await output).RootElement.Clone();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SignalRelay.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No SignalRelay.sln above {AppContext.BaseDirectory}.");
    }
}
