namespace SignalRelay.Bench.Doors;

/// <summary>One agent of the generator, connected through one door.</summary>
public interface IBenchAgent : IAsyncDisposable
{
    /// <summary>Connects and returns once the server has registered the agent, so no broadcast can miss it.</summary>
    Task ConnectAsync(CancellationToken ct);

    /// <summary>Sends one message (content is the JSON of a bench payload); completes on its ACK.</summary>
    Task SendAsync(int number, string? to, byte[] content, CancellationToken ct);
}

