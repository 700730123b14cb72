namespace SignalRelay.Server.Storage;

/// <summary>
/// The reads of history and replay, each a <see cref="SeqOrderedUnion"/> of conditions with an index in seq order:
/// <c>ix_messages_to_seq</c> serves broadcasts and the directs to an agent, <c>ix_messages_directs_from_seq</c>
/// the directs an agent sent.
/// </summary>
internal static class MessageQueries
{
    /// <summary>What <c>$viewer</c> may see after <c>$after</c>: broadcasts, directs to it and directs it sent.</summary>
    private static readonly string[] VisibleAfter =
    [
        "to_agent IS NULL AND seq > $after",
        "to_agent = $viewer AND seq > $after",
        "from_agent = $viewer AND to_agent IS NOT NULL AND seq > $after",
    ];

    /// <summary>What <c>$agent</c> missed: directs to it and other agents' broadcasts, each after its own cursor, up to <c>$upTo</c>.</summary>
    private static readonly string[] Missed =
    [
        "to_agent = $agent AND seq > $directsAfter AND seq <= $upTo",
        "to_agent IS NULL AND from_agent <> $agent AND seq > $broadcastsAfter AND seq <= $upTo",
    ];

    public static readonly SeqOrderedUnion NewestVisible = new(descending: true, VisibleAfter);
    public static readonly SeqOrderedUnion OldestVisible = new(descending: false, VisibleAfter);
    public static readonly SeqOrderedUnion OldestMissed = new(descending: false, Missed);
    public static readonly SeqOrderedUnion NewestMissed = new(descending: true, Missed);

    /// <summary>History for one viewer; newest first when it has no lower bound.</summary>
    public static SeqOrderedUnion History(bool newestFirst) => newestFirst ? NewestVisible : OldestVisible;
}
