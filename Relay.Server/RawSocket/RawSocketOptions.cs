using System.ComponentModel.DataAnnotations;

namespace SignalRelay.Server.RawSocket;

/// <summary>The <c>Relay:RawSockets</c> section: transport settings of the raw WebSocket door.</summary>
public sealed class RawSocketOptions
{
    public const string Section = "Relay:RawSockets";

    /// <summary>How often the relay sends a WebSocket ping, so proxies keep the connection open.</summary>
    [Range(1, 3600)] public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>A peer that does not answer a ping within this time is cut off (dead TCP peers).</summary>
    [Range(1, 3600)] public int KeepAliveTimeoutSeconds { get; set; } = 30;

    /// <summary>How long the relay waits for the peer's half of the close handshake before aborting.</summary>
    [Range(0.1, 60)] public double CloseTimeoutSeconds { get; set; } = 2;
}
