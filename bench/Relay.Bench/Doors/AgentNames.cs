namespace SignalRelay.Bench.Doors;

public static class AgentNames
{
    public static string Of(RunSpec spec, int index) => $"{spec.AgentPrefix}-{index}";
}
