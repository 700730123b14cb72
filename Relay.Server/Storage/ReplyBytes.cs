namespace SignalRelay.Server.Storage;

/// <summary>
/// Cuts a read once its rows pass <c>Relay:Limits:MaxReplyBytes</c>, counted in the text they hold, keeping at least the
/// first row. Rows are pulled one at a time and the pulling stops at the cut: SQLite steps a query only as its rows are
/// read, so a request for 1,000 messages of 64 KB reads about 1 MiB of them from the store, not 64 MB.
/// </summary>
internal static class ReplyBytes
{
    public static async Task<List<MessageRow>> TakeWithinAsync(IAsyncEnumerable<MessageRow> rows, long maxBytes, CancellationToken ct)
    {
        var page = new List<MessageRow>();
        long bytes = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            bytes += row.Content.Length + row.MessageId.Length + row.FromAgent.Length + (row.ToAgent?.Length ?? 0);
            if (bytes > maxBytes && page.Count > 0)
            {
                break;
            }
            page.Add(row);
        }
        return page;
    }
}
