namespace SignalRelay.Server.Storage;

/// <summary>
/// SQL for "the first <c>$take</c> rows in seq order that match any of these conditions", where each condition
/// has an index that yields its rows in seq order. SQLite answers a plain OR of such conditions by scanning the
/// table and testing every row, or by gathering every match and sorting them; either costs as much as the table,
/// however few rows come back. Here each condition reads its own index and stops at <c>$take</c> matches, and
/// their union is cut to <c>$take</c>, so a query costs about what it returns.
/// </summary>
internal sealed class SeqOrderedUnion
{
    public SeqOrderedUnion(bool descending, params string[] conditions)
    {
        var direction = descending ? "DESC" : "ASC";
        // UNION, not UNION ALL: conditions may overlap (a direct an agent sent itself matches two of history's),
        // and SeqAtOffset counts rows.
        var seqs = string.Join(" UNION ", conditions.Select(condition =>
            $"SELECT seq FROM (SELECT seq FROM messages WHERE {condition} ORDER BY seq {direction} LIMIT $take)"));
        Rows = $"SELECT * FROM messages WHERE seq IN ({seqs}) ORDER BY seq {direction} LIMIT $take";
        SeqAtOffset = $"SELECT seq AS \"Value\" FROM ({seqs}) ORDER BY seq {direction} LIMIT 1 OFFSET $skip";
    }

    /// <summary>The matching rows, in seq order, at most <c>$take</c>.</summary>
    public string Rows { get; }

    /// <summary>The seq of the matching row at <c>$skip</c> in seq order; <c>$take</c> must be at least <c>$skip</c> + 1.</summary>
    public string SeqAtOffset { get; }
}
