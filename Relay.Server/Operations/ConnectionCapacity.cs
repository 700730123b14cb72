using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Configuration;

namespace SignalRelay.Server.Operations;

/// <summary>
/// How many connections the relay holds at once, of any kind, idle or not. Each takes an open file and memory, and a
/// relay out of either stops: out of open files it can neither commit nor load code, out of memory Kestrel stops
/// accepting, and in both cases the runtime then aborts. By default connections may take the process's open-file limit
/// less a reserve for the store and the runtime, and half the memory the runtime may use (a container's limit, where
/// there is one) at <see cref="BytesPerConnection"/> each. Past the cap Kestrel closes each new connection as it
/// arrives, while the ones open carry on (and <see cref="RefusedConnectionsLog"/> says so). What a client has sent and
/// the relay has not yet read is held to the same size: Kestrel's socket transport would hold a MiB by default, and
/// every paced client would fill it.
/// </summary>
public static class ConnectionCapacity
{
    /// <summary>Open files kept for the store and the runtime: about 300 are in use before the first connection.</summary>
    public const long FileReserve = 1024;

    /// <summary>Memory set aside per connection: an agent's took about 50 KiB in the idle10k benchmark, an idle socket 8 KiB.</summary>
    public const long BytesPerConnection = 64 * 1024;

    public static IServiceCollection AddConnectionCapacity(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RelayOptions>>((o, relay) =>
            o.Limits.MaxConcurrentConnections = Of(
                relay.Value.Limits.MaxConnections, OpenFileLimit.Read()?.Current, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        services.Configure<SocketTransportOptions>(o => o.MaxReadBufferSize = BytesPerConnection);
        services.AddHostedService<RefusedConnectionsLog>();
        services.AddLogging(o => o.AddFilter(RefusedConnectionsLog.KestrelConnectionsCategory, LogLevel.Error));
        return services;
    }

    /// <summary>
    /// The configured number when there is one; else the lower of the open-file limit less the reserve (half the limit
    /// when it is small; no bound when it is unknown or unlimited) and half of <paramref name="memoryBytes"/> at
    /// <see cref="BytesPerConnection"/> each.
    /// </summary>
    public static long Of(long configured, ulong? openFileLimit, long memoryBytes)
    {
        if (configured > 0)
        {
            return configured;
        }
        var byMemory = Math.Max(1, memoryBytes / 2 / BytesPerConnection);
        return openFileLimit is { } files and < long.MaxValue
            ? Math.Min(byMemory, (long)files - Math.Min(FileReserve, (long)files / 2))
            : byMemory;
    }
}
