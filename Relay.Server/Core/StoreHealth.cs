namespace SignalRelay.Server.Core;

/// <summary>Whether the last write to the store succeeded; read by the readiness check.</summary>
public sealed class StoreHealth
{
    private volatile Exception? _lastFailure;

    public Exception? LastFailure => _lastFailure;

    public void ReportSuccess() => _lastFailure = null;

    public void ReportFailure(Exception error) => _lastFailure = error;
}
