using System.Diagnostics;

namespace SignalRelay.Tests.Raw;

/// <summary>The operators' checker (tools/Relay.Check), run as a process against a live relay.</summary>
public sealed class ConnectionCheckerTests
{
    [Test]
    public async Task The_checker_walks_every_step_against_a_live_relay_and_exits_0()
    {
        await using var relay = await TestRelay.StartAsync();
        var bystander = await relay.ConnectAsync("bystander");

        var (exitCode, output) = await RunCheckerAsync(relay.WebSocketUri("/").ToString());

        Assert.That(exitCode, Is.EqualTo(0), output);
        Assert.Multiple(() =>
        {
            foreach (var step in new[] { "connect", "HELLO -> WELCOME", "PING -> PONG", "MESSAGE -> ACK", "REQUEST_HISTORY -> HISTORY_RESPONSE", "GOODBYE" })
            {
                Assert.That(output, Does.Match($@"PASS\s+{System.Text.RegularExpressions.Regex.Escape(step)}\s"), step);
            }
            Assert.That(output, Does.Contain("All 6 steps passed."));
            Assert.That(bystander.Messages.TryRead(out _), Is.False, "the check message goes to the checker itself");
        });
    }

    [Test]
    public async Task The_checker_exits_1_naming_the_failed_step_when_the_url_is_not_a_relay()
    {
        await using var relay = await TestRelay.StartAsync();

        var (exitCode, output) = await RunCheckerAsync(relay.WebSocketUri("/healthz").ToString(), "--timeout", "3");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain("FAIL  connect"));
        });
    }

    [Test]
    public async Task The_checker_exits_2_with_usage_for_a_url_that_is_not_a_websocket_url()
    {
        var (exitCode, output) = await RunCheckerAsync("http://localhost:8080/");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(output, Does.Contain("usage:"));
        });
    }

    private static async Task<(int ExitCode, string Output)> RunCheckerAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(await CheckerBuild.DllAsync());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The checker did not finish:\n{await stdout}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
