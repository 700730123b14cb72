namespace SignalRelay.Contracts;

/// <summary>The callbacks the hub invokes on a connected .NET agent.</summary>
public interface IRelayClient
{
    Task Receive(Envelope envelope);
    Task Presence(PresenceEvent presence);
    Task Error(RelayError error);
}

/// <summary>Names of the hub's methods and the query parameters it reads, shared by server and client.</summary>
public static class HubProtocol
{
    public const string Path = "/hubs/relay";
    public const string AgentQuery = "agent";
    public const string ResumeQuery = "resume";

    /// <summary>
    /// The <see cref="ResumeQuery"/> of a client that received nothing on its last connection, so it has no seq to resume
    /// after: the relay replays again what it owed that connection when it began, whatever it wrote to it since.
    /// </summary>
    public const string ResumeFromLastStart = "start";

    public const string Send = "Send";
    public const string History = "History";
    public const string Agents = "Agents";
    public const string AgentsAfter = "AgentsAfter";
    public const string Heartbeat = "Heartbeat";
    public const string Announce = "Announce";
    public const string Stream = "Stream";
    public const string RefreshToken = "RefreshToken";

    public const string Receive = nameof(IRelayClient.Receive);
    public const string Presence = nameof(IRelayClient.Presence);
    public const string Error = nameof(IRelayClient.Error);
}
