namespace SignalRelay.Server.Auth;

/// <summary>The authorization policies the doors name; with auth off both admit everyone.</summary>
public static class RelayPolicies
{
    /// <summary>A connection that speaks for an agent (the hub).</summary>
    public const string Agent = "relay.agent";

    /// <summary>The operations API (<c>/api/*</c>): the configured admin role.</summary>
    public const string Admin = "relay.admin";
}
