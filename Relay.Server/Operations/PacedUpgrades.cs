using Microsoft.AspNetCore.Http.Features;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>Stands in for the server's HTTP/1.1 upgrade so a WebSocket is built over a <see cref="PacedFrameStream"/>.</summary>
public sealed class PacedUpgradeFeature(IHttpUpgradeFeature inner, FramePacer pacer) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The upgraded stream, once the WebSocket was accepted.</summary>
    public PacedFrameStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = new PacedFrameStream(await inner.UpgradeAsync(), pacer);
        return Stream;
    }
}

/// <summary>The same for a WebSocket over HTTP/2, which begins with an extended CONNECT instead of an upgrade.</summary>
public sealed class PacedExtendedConnectFeature(IHttpExtendedConnectFeature inner, FramePacer pacer) : IHttpExtendedConnectFeature
{
    public bool IsExtendedConnect => inner.IsExtendedConnect;

    public string? Protocol => inner.Protocol;

    public async ValueTask<Stream> AcceptAsync() => new PacedFrameStream(await inner.AcceptAsync(), pacer);
}
