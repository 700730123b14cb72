using System.Text.Json;

namespace SignalRelay.Server.Core;

/// <summary>What the registry knows of one agent, online or not. Guarded by the registry's lock.</summary>
internal sealed class AgentState(string id)
{
    public string Id { get; } = id;
    public RelaySession? Session { get; set; }
    public long Cursor { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    public string? Protocol { get; set; }
    public JsonElement? Metadata { get; set; }

    /// <summary>False for an agent first seen by this process and not in the store either.</summary>
    public bool HasConnectedBefore { get; set; }

    public bool Dirty { get; set; }
}
