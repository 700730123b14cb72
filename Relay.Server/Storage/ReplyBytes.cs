using System.Text;

namespace SignalRelay.Server.Storage;

/// <summary>
/// Cuts a read once its rows pass <c>Relay:Limits:MaxReplyBytes</c>, counted as the UTF-8 of the text they hold and what
/// each row's JSON adds to it, keeping at least the first row. Rows are pulled one at a time and the pulling stops at
/// the cut: SQLite steps a query only as its rows are read, so a request for 1,000 messages of 64 KB reads about 1 MiB
/// of them from the store, not 64 MB.
/// </summary>
internal static class ReplyBytes
{
    // What a message's JSON adds beyond its text, in any door's reply: field names, seq, kind and times, generously.
    private const int RowOverheadBytes = 160;

    public static async Task<List<MessageRow>> TakeWithinAsync(IAsyncEnumerable<MessageRow> rows, long maxBytes, CancellationToken ct)
    {
        var page = new List<MessageRow>();
        long bytes = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            bytes += RowOverheadBytes + Encoding.UTF8.GetByteCount(row.Content) + Encoding.UTF8.GetByteCount(row.MessageId)
                + Encoding.UTF8.GetByteCount(row.FromAgent) + (row.ToAgent is { } to ? Encoding.UTF8.GetByteCount(to) : 0);
            if (bytes > maxBytes && page.Count > 0)
            {
                break;
            }
            page.Add(row);
        }
        return page;
    }
}
