using SignalRelay.Bench.Measure;

namespace SignalRelay.Bench.Doors;

public static class AgentFactory
{
    public static IBenchAgent Create(RunSpec spec, Uri server, int index, Action<BenchPayload> deliver) => spec.Door switch
    {
        Door.Hub => new HubAgent(server, index, deliver),
        Door.Transport => new TransportAgent(server, index, spec.TargetOf(index), deliver),
        _ => throw new NotSupportedException($"The {spec.Door} door has no driver yet."),
    };
}
