using Microsoft.Extensions.Options;

namespace SignalRelay.Tests.Deploy;

/// <summary>A setting out of its range stops start-up with one line naming it, rather than a relay that starts and then misbehaves.</summary>
public sealed class SettingsValidationTests
{
    [TestCase("Relay:Limits:MaxFrameBytes", "-1", "Limits", "MaxFrameBytes")]
    [TestCase("Relay:Storage:MaxBatchSize", "0", "Storage", "MaxBatchSize")]
    [TestCase("Relay:Storage:Synchronous", "OFF", "Storage", "Synchronous")]
    [TestCase("Relay:Storage:Synchronous", "NORMAL; PRAGMA user_version=4242", "Storage", "Synchronous")]
    [TestCase("Relay:Retention:MaxMessages", "0", "Retention", "MaxMessages")]
    [TestCase("Relay:Sessions:ReapAfterSeconds", "0", "Sessions", "ReapAfterSeconds")]
    [TestCase("Relay:Shutdown:TimeoutSeconds", "-1", "Shutdown", "TimeoutSeconds")]
    [TestCase("Relay:Cors:AllowedOrigins:0", "https://app.example.com/agents", "Cors", "AllowedOrigins")]
    [TestCase("Relay:Cors:AllowedOrigins:0", "*", "Cors", "AllowedOrigins")]
    public void A_relay_setting_out_of_its_range_stops_start_up_naming_it(string key, string value, string section, string field)
    {
        var failure = Assert.ThrowsAsync<OptionsValidationException>(() => TestRelay.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.That(failure!.Message, Does.Contain($"'RelayOptions.{section}' members: '{field}'"));
    }

    [Test]
    public async Task The_synchronous_setting_takes_either_case()
    {
        await using var relay = await TestRelay.StartAsync(new Dictionary<string, string?> { ["Relay:Storage:Synchronous"] = "normal" });

        Assert.That(relay.QueryNumber("PRAGMA user_version"), Is.Zero);
    }

    [Test]
    public async Task A_PORT_that_is_no_port_stops_the_process_with_one_line_and_exit_code_1()
    {
        using var temp = new TempDirectory();

        // No --urls here: an explicit address would win over PORT.
        var failure = await RelayProcess.StartFailureAsync(
            RelayProcess.StartAsync(new Dictionary<string, string?> { ["DB_PATH"] = temp.File("relay.db"), ["PORT"] = "abc" }));

        AssertStoppedWithOneLine(failure, "PORT must be a number from 0 to 65535, not 'abc'.");
    }

    [TestCase("-1", "The field MaxFrameBytes must be between 1024 and 16777216.")]
    [TestCase("abc", "Failed to convert configuration value 'abc' at 'Relay:Limits:MaxFrameBytes'")]
    public async Task A_bad_relay_setting_in_the_environment_stops_the_process_with_one_line_and_exit_code_1(string value, string message)
    {
        using var temp = new TempDirectory();

        var failure = await RelayProcess.StartFailureAsync(
            RelayProcess.StartOnLoopbackAsync(temp.File("relay.db"), new Dictionary<string, string?> { ["Relay__Limits__MaxFrameBytes"] = value }));

        AssertStoppedWithOneLine(failure, message);
    }

    private static void AssertStoppedWithOneLine(string failure, string message) =>
        Assert.That(failure, Does.Contain("exited early, with code 1:")
            .And.Contain("SignalRelay stopped: ").And.Contain(message)
            .And.Not.Contain("Unhandled exception"));
}
