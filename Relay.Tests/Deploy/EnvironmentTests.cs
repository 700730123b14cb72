using System.Net;
using System.Net.Sockets;
using SignalRelay.Server.Operations;

namespace SignalRelay.Tests.Deploy;

/// <summary>The built server, run as a platform runs it: configured by environment variables alone.</summary>
public sealed class EnvironmentTests
{
    [Test]
    public async Task Server_listens_on_PORT_and_keeps_its_database_at_DB_PATH()
    {
        using var temp = new TempDirectory();
        var databasePath = temp.File(Path.Combine("volume", "relay_server.db"));
        var port = FreePort();

        await using var relay = await RelayProcess.StartAsync(new Dictionary<string, string?>
        {
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DB_PATH"] = databasePath,
        });

        Assert.That(relay.BaseUri.Port, Is.EqualTo(port), relay.Output);
        using var http = new HttpClient();
        using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("OK"));
            Assert.That(File.Exists(databasePath), Is.True, $"no database at DB_PATH {databasePath}");
        });
    }

    [Test]
    public async Task A_DB_PATH_that_holds_no_database_stops_start_up_with_exit_code_1_naming_the_file()
    {
        using var temp = new TempDirectory();
        var notADatabase = temp.File("relay_server.db");
        File.WriteAllText(notADatabase, new string('x', 4096));

        var failure = await RelayProcess.StartFailureAsync(RelayProcess.StartOnLoopbackAsync(notADatabase));

        Assert.That(failure, Does.Contain("exited early, with code 1:")
            .And.Contain($"SignalRelay stopped: The store at {notADatabase} could not be opened: ")
            .And.Contain("file is not a database")
            .And.Not.Contain("Unhandled exception"));
    }

    [Test]
    public async Task A_DB_PATH_whose_folder_cannot_be_made_stops_start_up_with_exit_code_1_naming_the_store()
    {
        using var temp = new TempDirectory();
        // A file where DB_PATH's folder should be, as an unwritable volume would: the folder cannot be made.
        var notAFolder = temp.File("volume");
        File.WriteAllText(notAFolder, "");
        var databasePath = Path.Combine(notAFolder, "relay_server.db");

        var failure = await RelayProcess.StartFailureAsync(RelayProcess.StartOnLoopbackAsync(databasePath));

        Assert.That(failure, Does.Contain("exited early, with code 1:")
            .And.Contain($"SignalRelay stopped: The store at {databasePath} could not be opened: ")
            .And.Not.Contain("Unhandled exception"));
    }

    [Test]
    public async Task A_second_relay_on_the_same_database_stops_with_exit_code_1_while_the_first_carries_on()
    {
        using var temp = new TempDirectory();
        var databasePath = temp.File("relay_server.db");
        await using (var first = await RelayProcess.StartOnLoopbackAsync(databasePath))
        {
            var failure = await RelayProcess.StartFailureAsync(RelayProcess.StartOnLoopbackAsync(databasePath));

            Assert.That(failure, Does.Contain("exited early, with code 1:").And.Contain($"another relay is using {databasePath}"));
            using var http = new HttpClient();
            Assert.That((await http.GetAsync(new Uri(first.BaseUri, "/readyz"))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // Once the first is gone, the database is free again.
        await using var next = await RelayProcess.StartOnLoopbackAsync(databasePath);
        Assert.That(next.HasExited, Is.False);
    }

    [Test]
    public async Task A_lock_file_that_cannot_be_made_is_told_as_it_is_not_as_another_relay()
    {
        using var temp = new TempDirectory();
        // The longest name a folder entry may have is 255 bytes: the database's own name fits, its ".lock" does not.
        var databasePath = temp.File(new string('d', 251));

        var failure = await RelayProcess.StartFailureAsync(RelayProcess.StartOnLoopbackAsync(databasePath));

        Assert.That(failure, Does.Contain("exited early, with code 1:")
            .And.Contain($"{databasePath}.lock could not be created or opened: ").And.Contain("too long")
            .And.Not.Contain("another relay"));
    }

    [Test]
    public async Task Startup_banner_logs_version_listening_url_database_path_and_auth_mode()
    {
        using var temp = new TempDirectory();
        var databasePath = temp.File("relay_server.db");
        var port = FreePort();

        await using var relay = await RelayProcess.StartAsync(new Dictionary<string, string?>
        {
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DB_PATH"] = databasePath,
        });
        await Wait.UntilAsync(() => relay.Output.Contains("SignalRelay "), "the startup banner is logged");

        var banner = relay.Output.Split('\n').Single(l => l.Contains("SignalRelay "));
        var stamped = System.Xml.Linq.XDocument.Load(DeployFiles.PathOf("Directory.Build.props")).Descendants("Version").Single().Value;
        Assert.Multiple(() =>
        {
            Assert.That(StartupBanner.Version, Does.StartWith(stamped), "the version comes from Directory.Build.props");
            Assert.That(banner, Does.Contain($"SignalRelay {StartupBanner.Version} "));
            Assert.That(banner, Does.Contain($":{port}"));
            Assert.That(banner, Does.Contain($"database {databasePath}"));
            Assert.That(banner, Does.Contain("auth mode None"));
        });
    }

    /// <summary>A port nothing listens on: bound by the OS, then released.</summary>
    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
