using Microsoft.AspNetCore.Http.Features;

namespace SignalRelay.Server.RawSocket;

/// <summary>
/// Stands in for the server's upgrade feature on the raw doors so the WebSocket is built over a
/// <see cref="CoalescingStream"/>; the session's writer finds the stream here to hold and release its writes.
/// </summary>
public sealed class CoalescingUpgradeFeature(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The upgraded stream, once the WebSocket was accepted.</summary>
    public CoalescingStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = new CoalescingStream(await inner.UpgradeAsync());
        return Stream;
    }
}
