using SignalRelay.Bench.Measure;

namespace SignalRelay.Bench.Doors;

public static class AgentFactory
{
    /// <summary>An agent for the spec's door, with its bearer token if the relay requires one.</summary>
    public static IBenchAgent Create(RunSpec spec, Uri server, int index, DeliveryLedger ledger, string? token)
    {
        var name = AgentNames.Of(spec, index);
        return spec.Door switch
        {
            Door.Hub => new HubAgent(server, name, token, index, spec.Ids, ledger),
            Door.V03 => new V03Agent(server, name, token, index, spec.Ids, ledger),
            Door.Mesh => new MeshAgent(server, name, token, index, spec.Ids, ledger),
            Door.Transport => new TransportAgent(server, index, spec.TargetOf(index), ledger),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Door, "Unknown door."),
        };
    }
}
