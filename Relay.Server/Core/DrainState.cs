namespace SignalRelay.Server.Core;

/// <summary>Set once the relay has begun shutting down: readiness fails and new connections are refused.</summary>
public sealed class DrainState
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void Begin() => _draining = true;
}
