using System.Net;
using System.Net.Sockets;

namespace SignalRelay.Tests.Deploy;

/// <summary>
/// A relay that cannot start says what to fix in one line and exits 1, as a platform's log shows it: not that line after
/// a kilobytes-long error line carrying the same message and a stack trace.
/// </summary>
public sealed class StartupFailureLogTests
{
    [Test]
    public async Task A_port_in_use_stops_start_up_with_one_line_naming_the_address()
    {
        using var temp = new TempDirectory();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var failure = await RelayProcess.StartFailureAsync(
            RelayProcess.StartAsync(new Dictionary<string, string?> { ["DB_PATH"] = temp.File("relay.db") }, "--urls", address));

        AssertOneLine(failure, $"SignalRelay stopped: Failed to bind to address {address}: address already in use.");
    }

    [Test]
    public async Task A_store_that_cannot_be_opened_stops_start_up_with_one_line_naming_it()
    {
        using var temp = new TempDirectory();
        var notAFolder = temp.File("volume");
        File.WriteAllText(notAFolder, "");
        var databasePath = Path.Combine(notAFolder, "relay_server.db");

        var failure = await RelayProcess.StartFailureAsync(RelayProcess.StartOnLoopbackAsync(databasePath));

        AssertOneLine(failure, $"SignalRelay stopped: The store at {databasePath} could not be opened: ");
    }

    private static void AssertOneLine(string failure, string line)
    {
        Assert.That(failure, Does.Contain("exited early, with code 1:").And.Contain(line));
        Assert.That(ConsoleLog.WarningsAndErrors(failure), Is.Empty, "no error line repeating it");
        Assert.That(failure, Does.Not.Contain("   at "), "no stack trace");
    }
}
