using System.Text.Json;

namespace SignalRelay.Tests.Deploy;

/// <summary>Every file in deploy/ parses, and what it tells a platform agrees with the server and the image.</summary>
public sealed class DeployFilesTests
{
    private static readonly HashSet<string> Parsed = [".toml", ".yaml", ".yml", ".json"];

    [Test]
    public async Task Every_file_in_deploy_parses()
    {
        var files = Directory.GetFiles(DeployFiles.DeployFolder, "*", SearchOption.AllDirectories);
        Assert.That(files, Is.Not.Empty);
        foreach (var file in files)
        {
            if (Path.GetFileName(file) == "Procfile")
            {
                Assert.That(await DeployFiles.ParseProcfileAsync(file), Is.Not.Empty, file);
                continue;
            }
            Assert.That(Parsed, Does.Contain(Path.GetExtension(file)), $"{file}: no known format, so nothing checks it");
            var root = await DeployFiles.ParseAsync(file);
            Assert.That(root.ValueKind, Is.EqualTo(JsonValueKind.Object), file);
        }
    }

    [Test]
    public async Task Every_health_check_path_is_a_route_the_relay_serves()
    {
        var fly = await Deploy("fly.toml");
        var render = await Deploy("render.yaml");
        var railway = await Deploy("railway.json");
        var agentCore = await Deploy("agentcore-runtime.json");

        var paths = new Dictionary<string, string>();
        foreach (var check in fly.GetProperty("http_service").GetProperty("checks").EnumerateArray())
        {
            paths[$"fly.toml http_service.checks ({check.GetProperty("path")})"] = check.GetProperty("path").GetString()!;
        }
        foreach (var service in render.GetProperty("services").EnumerateArray())
        {
            paths[$"render.yaml {service.GetProperty("name")}.healthCheckPath"] = service.GetProperty("healthCheckPath").GetString()!;
        }
        paths["railway.json deploy.healthcheckPath"] = railway.GetProperty("deploy").GetProperty("healthcheckPath").GetString()!;
        // AgentCore's HTTP protocol fixes its health route at /ping; the file must choose that protocol.
        Assert.That(agentCore.GetProperty("protocolConfiguration").GetProperty("serverProtocol").GetString(), Is.EqualTo("HTTP"));
        paths["agentcore-runtime.json (HTTP protocol contract)"] = "/ping";

        await using var relay = await TestRelay.StartAsync();
        using var http = new HttpClient { BaseAddress = relay.BaseUri };
        foreach (var (where, path) in paths)
        {
            using var response = await http.GetAsync(path);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), $"{where}: GET {path}");
        }
    }

    [Test]
    public async Task Stop_signal_and_grace_cover_the_graceful_shutdown()
    {
        var shutdownSeconds = (await DeployFiles.ParseAsync(DeployFiles.PathOf("appsettings.json")))
            .GetProperty("Relay").GetProperty("Shutdown").GetProperty("TimeoutSeconds").GetInt32();
        var fly = await Deploy("fly.toml");
        var railway = await Deploy("railway.json");
        var dockerfile = await File.ReadAllLinesAsync(DeployFiles.PathOf("Dockerfile"));

        Assert.Multiple(() =>
        {
            Assert.That(fly.GetProperty("kill_signal").GetString(), Is.EqualTo("SIGTERM"));
            Assert.That(fly.GetProperty("kill_timeout").GetInt32(), Is.GreaterThanOrEqualTo(shutdownSeconds));
            Assert.That(railway.GetProperty("deploy").GetProperty("drainingSeconds").GetInt32(), Is.GreaterThanOrEqualTo(shutdownSeconds));
            Assert.That(dockerfile, Does.Contain("STOPSIGNAL SIGTERM"));
        });
    }

    [Test]
    public async Task Platforms_mount_the_volume_where_the_image_keeps_its_database()
    {
        var dockerfile = await File.ReadAllTextAsync(DeployFiles.PathOf("Dockerfile"));
        var fly = await Deploy("fly.toml");
        var render = (await Deploy("render.yaml")).GetProperty("services")[0];
        var agentCore = await Deploy("agentcore-runtime.json");

        Assert.Multiple(() =>
        {
            Assert.That(dockerfile, Does.Contain("DB_PATH=/data/relay_server.db"));
            Assert.That(dockerfile, Does.Contain("VOLUME /data"));
            Assert.That(fly.GetProperty("mounts").GetProperty("destination").GetString(), Is.EqualTo("/data"));
            Assert.That(fly.GetProperty("env").GetProperty("DB_PATH").GetString(), Is.EqualTo("/data/relay_server.db"));
            Assert.That(fly.GetProperty("http_service").GetProperty("internal_port").GetInt32(), Is.EqualTo(8080));
            Assert.That(render.GetProperty("disk").GetProperty("mountPath").GetString(), Is.EqualTo("/data"));
            Assert.That(render.GetProperty("envVars").EnumerateArray().Single(v => v.GetProperty("key").GetString() == "DB_PATH")
                .GetProperty("value").GetString(), Is.EqualTo("/data/relay_server.db"));
            var storage = agentCore.GetProperty("filesystemConfigurations")[0].GetProperty("sessionStorage").GetProperty("mountPath").GetString();
            Assert.That(agentCore.GetProperty("environmentVariables").GetProperty("DB_PATH").GetString(), Does.StartWith(storage + "/"));
            Assert.That(agentCore.GetProperty("environmentVariables").GetProperty("PORT").GetString(), Is.EqualTo("8080"));
        });
    }

    [Test]
    public async Task Platforms_with_a_volume_of_fixed_size_keep_the_store_within_two_thirds_of_it()
    {
        var fly = await Deploy("fly.toml");
        var render = (await Deploy("render.yaml")).GetProperty("services")[0];
        var flyVolumeMegabytes = 1024 * long.Parse(fly.GetProperty("mounts").GetProperty("initial_size").GetString()!.Replace("gb", ""));
        var renderDiskMegabytes = 1024 * long.Parse(render.GetProperty("disk").GetProperty("sizeGB").GetString()!);
        var flyBound = long.Parse(fly.GetProperty("env").GetProperty("Relay__Retention__MaxStoreMegabytes").GetString()!);
        var renderBound = long.Parse(render.GetProperty("envVars").EnumerateArray()
            .Single(v => v.GetProperty("key").GetString() == "Relay__Retention__MaxStoreMegabytes").GetProperty("value").GetString()!);

        Assert.Multiple(() =>
        {
            Assert.That(flyBound, Is.InRange(1, flyVolumeMegabytes * 2 / 3));
            Assert.That(renderBound, Is.InRange(1, renderDiskMegabytes * 2 / 3));
        });
    }

    [Test]
    public async Task Procfile_starts_the_published_server_as_the_web_process()
    {
        var processes = await DeployFiles.ParseProcfileAsync(Path.Combine(DeployFiles.DeployFolder, "Procfile"));

        Assert.That(processes.Keys, Is.EquivalentTo(new[] { "web" }));
        // exec, so the platform's SIGTERM reaches the relay rather than a shell.
        Assert.That(processes["web"], Does.Match(@"exec \./Relay\.Server$"));
    }

    private static Task<JsonElement> Deploy(string name) => DeployFiles.ParseAsync(Path.Combine(DeployFiles.DeployFolder, name));
}
