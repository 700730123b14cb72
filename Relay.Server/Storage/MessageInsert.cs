using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SignalRelay.Contracts;
using SQLitePCL;

namespace SignalRelay.Server.Storage;

/// <summary>
/// The group-commit insert as one prepared SQLite statement on the writer's handle. It runs for every message,
/// so it binds UTF-8 straight from the envelope (the content's raw JSON bytes, no string in between) and reads
/// the seq (the rowid) without the per-execution reader, record and parameter binders of an ADO.NET command.
/// </summary>
public sealed class MessageInsert : IDisposable
{
    private const string Sql =
        "INSERT OR IGNORE INTO messages (message_id, kind, from_agent, to_agent, content, sent_at, received_at_ms) " +
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

    // One less than the counter is where it stood before the ignored insert moved it; never below the highest seq handed out.
    private const string GiveBackSql = "UPDATE sqlite_sequence SET seq = max(seq - 1, ?1) WHERE name = 'messages'";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly sqlite3_stmt _giveBack;
    private byte[] _utf8 = new byte[512];

    public MessageInsert(SqliteConnection writer)
    {
        _db = writer.Handle ?? throw new InvalidOperationException("The writer connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, Sql, out _statement));
        Check(raw.sqlite3_prepare_v2(_db, GiveBackSql, out _giveBack));
    }

    /// <summary>
    /// An insert ignored as a resend still takes the next seq from SQLite's AUTOINCREMENT counter. This sets the counter
    /// back, in the open transaction, never below <paramref name="highest"/>, the highest seq handed out: a seq no
    /// message holds would read, once retention removed the messages before it, as a message removed unread
    /// (<c>RESUME_TOO_OLD</c>).
    /// </summary>
    public void GiveBackSeq(long highest)
    {
        try
        {
            Check(raw.sqlite3_bind_int64(_giveBack, 1, highest));
            Check(raw.sqlite3_step(_giveBack));
        }
        finally
        {
            raw.sqlite3_reset(_giveBack);
        }
    }

    /// <summary>
    /// Inserts <paramref name="e"/>, received at <paramref name="receivedAtMs"/>, in the open transaction: its new
    /// seq, or null when (from, id) is already stored.
    /// </summary>
    public long? Run(Envelope e, long receivedAtMs)
    {
        try
        {
            BindText(1, e.Id);
            BindText(2, e.Kind);
            BindText(3, e.From);
            BindText(4, e.To);
            Check(raw.sqlite3_bind_text(_statement, 5, JsonMarshal.GetRawUtf8Value(e.Content)));
            BindText(6, e.SentAt);
            Check(raw.sqlite3_bind_int64(_statement, 7, receivedAtMs));

            Check(raw.sqlite3_step(_statement));
            // Cheaper than RETURNING, which SQLite serves through a temporary table per statement.
            return raw.sqlite3_changes(_db) == 0 ? null : raw.sqlite3_last_insert_rowid(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    // SQLite copies bound text (SQLITE_TRANSIENT), so one scratch buffer serves every parameter.
    private void BindText(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_utf8.Length < max)
        {
            _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        }
        var length = Encoding.UTF8.GetBytes(value, _utf8);
        Check(raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, length)));
    }

    private void Check(int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE))
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    public void Dispose()
    {
        _statement.Dispose();
        _giveBack.Dispose();
    }
}
