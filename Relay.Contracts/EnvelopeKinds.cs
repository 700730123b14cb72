namespace SignalRelay.Contracts;

public static class EnvelopeKinds
{
    public const string Message = "message";
    public const string Broadcast = "broadcast";
    public const string Direct = "direct";
    public const string Stream = "stream";
    public const string Ack = "ack";
    public const string TurnEnd = "turn_end";
    public const string Error = "error";

    private static readonly HashSet<string> Relayable =
        [Message, Broadcast, Direct, Stream, Ack, TurnEnd, Error];

    public static bool IsRelayable(string kind) => Relayable.Contains(kind);
}
