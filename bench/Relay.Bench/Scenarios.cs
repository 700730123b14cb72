namespace SignalRelay.Bench;

/// <summary>
/// The named scenarios of issue 5. Counts are sized so each measured pass lasts seconds, not fractions of one
/// (short passes made the ratios swing by half on this shared machine), and a full run stays within minutes.
/// </summary>
public static class Scenarios
{
    public static readonly IReadOnlyList<RunSpec> All =
    [
        new() { Name = "durable", Door = Door.V03, Agents = 10, Window = 8, PayloadBytes = 256, MessagesPerAgent = 10_000 },
        new() { Name = "durable-auth", Door = Door.V03, Agents = 10, Window = 8, PayloadBytes = 256, MessagesPerAgent = 10_000, Auth = true },
        new() { Name = "fanout", Door = Door.Mesh, Agents = 50, Window = 4, PayloadBytes = 256, MessagesPerAgent = 1_000 },
        new() { Name = "direct", Door = Door.Hub, Agents = 100, Window = 16, PayloadBytes = 256, Pattern = Pattern.Direct, MessagesPerAgent = 1_000 },
        new()
        {
            Name = "latency", Door = Door.V03, Agents = 100, Window = 16, PayloadBytes = 256, Pattern = Pattern.Direct,
            OfferedRate = 1000, MessagesPerAgent = 50,
        },
        new()
        {
            Name = "idle10k", Door = Door.V03, Agents = 10_000, Window = 1, PayloadBytes = 256, MessagesPerAgent = 1, Idle = true,
            ConnectCap = TimeSpan.FromSeconds(150),
        },
        new() { Name = "large", Door = Door.V03, Agents = 10, Window = 8, PayloadBytes = 32 * 1024, MessagesPerAgent = 1_000 },
    ];

    public static RunSpec Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown scenario '{name}'. Known: {string.Join(", ", All.Select(s => s.Name))}, all.");
}
