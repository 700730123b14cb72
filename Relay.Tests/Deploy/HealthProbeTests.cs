using System.Diagnostics;
using SignalRelay.Server.Operations;

namespace SignalRelay.Tests.Deploy;

/// <summary><c>Relay.Server --healthcheck</c>, the image's HEALTHCHECK command, run as the container runs it.</summary>
public sealed class HealthProbeTests
{
    [Test]
    public async Task Healthcheck_exits_0_when_the_relay_on_PORT_answers()
    {
        await using var relay = await TestRelay.StartAsync();

        var (code, output) = await RunProbeAsync(relay.BaseUri.Port);

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("answered 200"));
    }

    [Test]
    public async Task Healthcheck_exits_1_when_nothing_answers_on_PORT()
    {
        var (code, output) = await RunProbeAsync(EnvironmentTests.FreePort());

        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("failed"));
    }

    private static async Task<(int Code, string Output)> RunProbeAsync(int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Relay.Server.dll"));
        start.ArgumentList.Add(HealthProbe.Flag);
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var probe = Process.Start(start)!;
        var stdout = probe.StandardOutput.ReadToEndAsync();
        var stderr = probe.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await probe.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            probe.Kill();
            throw new TimeoutException("The health probe did not exit within 30 s.");
        }
        return (probe.ExitCode, await stdout + await stderr);
    }
}
