namespace SignalRelay.Bench.Doors;

public static class AgentNames
{
    public static string Of(int index) => $"bench-{index}";
}
