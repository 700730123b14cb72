using SignalRelay.Bench.Measure;

namespace SignalRelay.Bench.Doors;

public static class AgentFactory
{
    public static IBenchAgent Create(RunSpec spec, Uri server, int index, DeliveryLedger ledger) => spec.Door switch
    {
        Door.Hub => new HubAgent(server, AgentNames.Of(spec, index), index, ledger),
        Door.V03 => new V03Agent(server, AgentNames.Of(spec, index), index, ledger),
        Door.Mesh => new MeshAgent(server, AgentNames.Of(spec, index), index, ledger),
        Door.Transport => new TransportAgent(server, index, spec.TargetOf(index), ledger),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Door, "Unknown door."),
    };
}
