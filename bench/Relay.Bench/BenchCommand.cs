using System.Text.Json;
using Microsoft.Extensions.Configuration;
using SignalRelay.Bench.Measure;
using SignalRelay.Bench.Output;
using SignalRelay.Bench.Targets;

namespace SignalRelay.Bench;

/// <summary>The bench's command line: run the chosen scenarios, print a JSON line per run and a Markdown table.</summary>
public static class BenchCommand
{
    /// <summary>The hidden mode in which the bench is its own transport reference.</summary>
    public const string ServeTransport = "--serve-transport";

    /// <summary>The hidden mode in which the bench serves the OIDC issuer of auth runs.</summary>
    public const string ServeIssuer = "--serve-issuer";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == ServeTransport)
        {
            await TransportReference.RunAsync(args[1..]);
            return 0;
        }
        if (args.Length > 0 && args[0] == ServeIssuer)
        {
            await IssuerProcess.ServeAsync();
            return 0;
        }

        GeneratorSockets.CompleteInline();
        var options = new BenchOptions();
        new ConfigurationBuilder().AddCommandLine(args).Build().Bind(options);
        var specs = options.Specs();
        var connections = specs.Max(s => s.Agents);
        // Each process (bench, relay) holds one socket per agent; the relay inherits this process's limit.
        var fileLimit = FileLimit.Raise((ulong)(connections * 2 + 4096));
        if (fileLimit < (ulong)(connections + 1024))
        {
            Console.Error.WriteLine($"The open-file limit could not be raised above {fileLimit}; runs with {connections} agents will fail to connect.");
        }

        if (options.Passes < 1)
        {
            throw new ArgumentException("--passes needs at least 1.");
        }
        var runner = new ScenarioRunner(options.References, TimeSpan.FromSeconds(options.Warmup), options.Passes,
            OtherRelay.Parse(options.Compare), options.Python);
        var all = new List<RunResult>();
        foreach (var spec in specs)
        {
            Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {spec.Name}: {spec.Door}, {spec.Agents} agents, {spec.MessagesPerAgent} messages each, window {spec.Window}, {spec.PayloadBytes} B, {spec.Pattern}, {spec.Ids} ids");
            foreach (var result in await runner.RunAsync(spec))
            {
                var line = JsonSerializer.Serialize(result, BenchJsonContext.Default.RunResult);
                Console.WriteLine(line);
                if (options.Json is { } path)
                {
                    await File.AppendAllTextAsync(path, line + Environment.NewLine);
                }
                all.Add(result);
            }
        }
        Console.WriteLine();
        Console.WriteLine(MarkdownTable.Render(all));
        return all.All(r => r.Clean) ? 0 : 1;
    }
}
