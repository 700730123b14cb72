using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SignalRelay.Tests.Core;

/// <summary>
/// Over HTTP/2, every frame a client sends is paced by its connection's budget, control frames included: Kestrel
/// answers PING and SETTINGS frames itself, at any rate, so a flood of them would otherwise take the relay's CPU.
/// </summary>
public sealed class Http2FramePacingTests
{
    private const int Pings = 40;

    // Ten frames at once, then ten a second: with the SETTINGS frame ahead of them, the last ping cannot be read
    // before three seconds have passed.
    private static readonly TimeSpan Slowest = TimeSpan.FromSeconds(2.5);

    [Test]
    public async Task Pings_over_clear_text_http2_are_answered_at_the_budgets_pace_and_none_is_lost()
    {
        await using var relay = await TestRelay.StartAsync(Paced(new()
        {
            ["Kestrel:EndpointDefaults:Protocols"] = "Http2",
        }));

        await AssertPingsPacedAsync(relay);
    }

    [Test]
    public async Task Pings_over_http2_inside_tls_are_paced_too()
    {
        using var certificates = new TempDirectory();
        var certificate = certificates.File("relay.pfx");
        await File.WriteAllBytesAsync(certificate, SelfSignedPfx("pfx password"));
        await using var relay = await TestRelay.StartAsync(Paced(new()
        {
            ["Kestrel:Endpoints:Tls:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Tls:Certificate:Path"] = certificate,
            ["Kestrel:Endpoints:Tls:Certificate:Password"] = "pfx password",
        }));
        Assert.That(relay.BaseUri.Scheme, Is.EqualTo(Uri.UriSchemeHttps));

        await AssertPingsPacedAsync(relay);
    }

    [Test]
    public async Task A_stopping_relay_does_not_wait_for_an_http2_client_that_owes_its_budget()
    {
        await using var relay = await TestRelay.StartAsync(Paced(new()
        {
            ["Kestrel:EndpointDefaults:Protocols"] = "Http2",
            ["Relay:Shutdown:TimeoutSeconds"] = "30",
        }));
        using var wire = await Http2Wire.ConnectAsync(relay);
        await wire.NextOfTypeAsync(Http2Wire.Settings);
        // Two hundred seconds of pings at ten a second, read in one go: none is answered before all are paid for.
        await wire.SendAsync(Enumerable.Range(0, 2000).Select(i => Http2Wire.PingFrame((ulong)i)));
        var clock = Stopwatch.StartNew();

        await relay.App.StopAsync();

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "stopped without waiting for the shutdown timeout");
    }

    private static async Task AssertPingsPacedAsync(TestRelay relay)
    {
        using var wire = await Http2Wire.ConnectAsync(relay);
        var clock = Stopwatch.StartNew();

        await wire.SendAsync(Enumerable.Range(0, Pings).Select(i => Http2Wire.PingFrame((ulong)i)));
        var acks = await wire.PingAcksAsync(Pings);

        Assert.Multiple(() =>
        {
            Assert.That(acks, Is.EqualTo(Enumerable.Range(0, Pings).Select(i => (ulong)i)), "every ping answered, in order");
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(Slowest), "the pings were read at ten a second");
        });
    }

    private static Dictionary<string, string?> Paced(Dictionary<string, string?> settings)
    {
        settings["Relay:Limits:FramesPerSecond"] = "10";
        settings["Relay:Limits:FrameBurst"] = "10";
        return settings;
    }

    private static byte[] SelfSignedPfx(string password)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return certificate.Export(X509ContentType.Pfx, password);
    }
}
