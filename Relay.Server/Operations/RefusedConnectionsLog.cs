using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>
/// One warning per interval while connections are refused at <see cref="ConnectionCapacity"/>, read from Kestrel's own
/// count of them. Kestrel would log a warning for each, and a client that opens connections as fast as it can gets
/// some 15,000 a second refused here: a log line each would cost the relay a tenth more CPU and fill a platform's log.
/// </summary>
public sealed class RefusedConnectionsLog : PeriodicService
{
    /// <summary>Kestrel's logging category for the warning that this log replaces.</summary>
    public const string KestrelConnectionsCategory = "Microsoft.AspNetCore.Server.Kestrel.Connections";

    private readonly MeterListener _listener = new();
    private readonly long? _maxConnections;
    private readonly ILogger<RefusedConnectionsLog> _logger;
    private long _refused;

    public RefusedConnectionsLog(IMeterFactory meters, IOptions<KestrelServerOptions> kestrel, ILogger<RefusedConnectionsLog> logger)
        : base(logger)
    {
        _maxConnections = kestrel.Value.Limits.MaxConcurrentConnections;
        _logger = logger;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Scoped to this host's meters: tests run several relays in one process.
            if (instrument is { Name: "kestrel.rejected_connections", Meter.Name: "Microsoft.AspNetCore.Server.Kestrel" }
                && instrument.Meter.Scope == meters)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, refused, _, _) => Interlocked.Add(ref _refused, refused));
        _listener.Start();
    }

    protected override TimeSpan Interval => TimeSpan.FromSeconds(10);

    protected override Task RunOnceAsync(CancellationToken ct)
    {
        var refused = Interlocked.Exchange(ref _refused, 0);
        if (refused > 0)
        {
            _logger.LogWarning(
                "Refused {Refused} connections in the last {Seconds} s: the relay already holds its most, {MaxConnections} at once (Relay:Limits:MaxConnections)",
                refused, Interval.TotalSeconds, _maxConnections);
        }
        return Task.CompletedTask;
    }

    public override void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }
}
