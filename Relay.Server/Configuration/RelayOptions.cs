using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SignalRelay.Server.Configuration;

/// <summary>The <c>Relay</c> section of configuration.</summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    // Data annotations check nested settings only where a property asks for it.
    [ValidateObjectMembers] public LimitOptions Limits { get; set; } = new();
    [ValidateObjectMembers] public StorageOptions Storage { get; set; } = new();
    [ValidateObjectMembers] public RetentionOptions Retention { get; set; } = new();
    [ValidateObjectMembers] public SessionOptions Sessions { get; set; } = new();
    [ValidateObjectMembers] public ShutdownOptions Shutdown { get; set; } = new();
    [ValidateObjectMembers] public CrossOriginOptions Cors { get; set; } = new();
}

public sealed class LimitOptions
{
    /// <summary>The largest frame or message a client may send, in bytes.</summary>
    [Range(1024, 16 * 1024 * 1024)] public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Frames waiting for one slow connection before it is dropped.</summary>
    [Range(16, 1_000_000)] public int SendQueueCapacity { get; set; } = 4096;

    /// <summary>
    /// Bytes waiting for one connection (messages, presence, replies) before it is dropped. One item alone always
    /// fits, however large: the bound is for a client that stops reading while messages or history replies pile up.
    /// </summary>
    [Range(64 * 1024, int.MaxValue)] public int MaxQueuedBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Bytes waiting for all connections together, counting only what is past 64 KiB for each; past this a connection
    /// with more than that waiting is dropped instead of given more. 0, the default, takes a quarter of the memory the
    /// runtime may use.
    /// </summary>
    [Range(0, long.MaxValue)] public long MaxQueuedBytesTotal { get; set; }

    /// <summary>Requests of one raw connection awaiting their replies; past this the relay reads no more of its frames until they are answered.</summary>
    [Range(1, 100_000)] public int MaxPendingReplies { get; set; } = 256;

    /// <summary>
    /// Hub streams one connection may have open at once. Each holds up to SignalR's buffer of items (ten, each up to
    /// <see cref="MaxFrameBytes"/>) while it waits for the sender's budget; unbounded, one connection could hold as much
    /// memory as it liked.
    /// </summary>
    [Range(1, 10_000)] public int MaxOpenStreams { get; set; } = 16;

    /// <summary>The most messages replayed to one agent on reconnect; older ones are skipped with a notice.</summary>
    [Range(1, 10_000_000)] public int MaxReplayMessages { get; set; } = 10_000;

    [Range(1, 100_000)] public int MaxHistoryLimit { get; set; } = 1000;

    /// <summary>
    /// Bytes of messages one history reply or replay page may hold; it stops early past this, after at least one message.
    /// A thousand 64 KiB messages would otherwise make one reply of 64 MB, held in memory until the client reads it.
    /// </summary>
    [Range(64 * 1024, int.MaxValue)] public int MaxReplyBytes { get; set; } = 1024 * 1024;

    [Range(1, 100_000)] public int DefaultHistoryLimit { get; set; } = 100;
    [Range(1, 1024)] public int MaxAgentIdLength { get; set; } = 128;

    /// <summary>Bytes of JSON an agent may announce about itself (kept while the relay knows the agent, sent on every change).</summary>
    [Range(2, 1_048_576)] public int MaxMetadataBytes { get; set; } = 8192;

    [Range(1, 1024)] public int MaxMessageIdLength { get; set; } = 128;

    /// <summary>
    /// Connections of any kind held at once; past this each new one is closed as it arrives. 0, the default, takes what
    /// the process's open files (on Linux) and memory allow, leaving room for the store and the runtime.
    /// </summary>
    [Range(0, long.MaxValue)] public long MaxConnections { get; set; }

    /// <summary>New connections (WebSocket upgrades, hub negotiations) per second from one client address, on average (token bucket refill).</summary>
    [Range(1, 1_000_000)] public int NewConnectionsPerSecondPerAddress { get; set; } = 100;

    /// <summary>New connections one client address may open at once.</summary>
    [Range(1, 1_000_000)] public int NewConnectionBurstPerAddress { get; set; } = 1000;

    /// <summary>Messages per second each agent may send on average (token bucket refill).</summary>
    [Range(1, 1_000_000)] public int MessagesPerSecond { get; set; } = 500;

    /// <summary>How many messages an agent may send in one burst.</summary>
    [Range(1, 1_000_000)] public int Burst { get; set; } = 1000;

    /// <summary>
    /// WebSocket frames (control frames and fragments too), hub messages, HTTP requests or HTTP/2 frames one connection
    /// may send per second on average. Past its burst the relay reads the connection's next frame only as this allows:
    /// a flood of pings, fragments, bad frames or refused messages is slowed down, not answered at the rate it is sent.
    /// 0, the default, takes twice <see cref="MessagesPerSecond"/>.
    /// </summary>
    [Range(0, 10_000_000)] public int FramesPerSecond { get; set; }

    /// <summary>
    /// Frames, hub messages, HTTP requests or HTTP/2 frames one connection may send at once. 0, the default, takes twice
    /// <see cref="Burst"/>.
    /// </summary>
    [Range(0, 10_000_000)] public int FrameBurst { get; set; }

    /// <summary>
    /// Rows each agent may read per second on average: a history request counts the rows its page may hold, a list of
    /// agents the agents in it.
    /// </summary>
    [Range(1, 10_000_000)] public int ReadRowsPerSecond { get; set; } = 5000;

    /// <summary>Rows an agent may read at once; a request for more takes all of them.</summary>
    [Range(1, 10_000_000)] public int ReadRowsBurst { get; set; } = 10_000;
}

public sealed class StorageOptions
{
    /// <summary>SQLite's <c>synchronous</c> pragma for the writer: FULL survives power loss, NORMAL only process crashes.</summary>
    [RegularExpression("^(?i:full|normal)$")] public string Synchronous { get; set; } = "FULL";

    /// <summary>The most messages committed in one transaction.</summary>
    [Range(1, 100_000)] public int MaxBatchSize { get; set; } = 1024;

    /// <summary>Messages waiting to be committed before senders are made to wait.</summary>
    [Range(16, 1_000_000)] public int InboxCapacity { get; set; } = 16_384;

    /// <summary>
    /// History and replay pages read at once. The rest wait their turn, so no flood of reads can take the cores that
    /// commits and deliveries need. Half the processors by default, at least one.
    /// </summary>
    [Range(1, 1024)] public int MaxConcurrentReads { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// Room on the store's volume the relay leaves free for SQLite: a batch that would take the volume's free space
    /// below it is refused (<c>STORE_UNAVAILABLE</c>) unless pages freed by deletes inside the database can take it.
    /// 0 leaves none.
    /// </summary>
    [Range(0, 1_000_000)] public long MinFreeMegabytes { get; set; } = 16;

    /// <summary>How often agents' cursors and last-seen times are written back.</summary>
    [Range(1, 3600)] public int PresenceFlushSeconds { get; set; } = 2;
}

public sealed class RetentionOptions
{
    [Range(0.001, 100_000)] public double MaxAgeHours { get; set; } = 24 * 7;
    [Range(1, long.MaxValue)] public long MaxMessages { get; set; } = 1_000_000;

    /// <summary>
    /// The most the store's pages may take, in MiB, checked every second; 0 for no bound. On a volume, about two thirds
    /// of its size leaves room for the write-ahead log and for what arrives between checks.
    /// </summary>
    [Range(0, 100_000_000)] public long MaxStoreMegabytes { get; set; }

    /// <summary>
    /// The most of its volume the store may take, checked with <see cref="MaxStoreMegabytes"/>: this share of what the
    /// store's files and the volume's free space add up to, so that a volume filling up, by the relay or by anything
    /// else, never stops the relay from storing. 0 for no such bound.
    /// </summary>
    [Range(0.0, 1.0)] public double MaxVolumeShare { get; set; } = 0.66;

    [Range(1, 86_400)] public int SweepSeconds { get; set; } = 60;

    /// <summary>Messages deleted per transaction; commits of new messages wait for no more than one of them.</summary>
    [Range(1, 1_000_000)] public int DeleteBatchSize { get; set; } = 1000;
}

public sealed class SessionOptions
{
    /// <summary>Agents silent for this long are reaped (raw dialects).</summary>
    [Range(1, 86_400)] public int ReapAfterSeconds { get; set; } = 30;

    /// <summary>The heartbeat interval the relay asks clients for.</summary>
    [Range(1, 3600)] public int HeartbeatIntervalSeconds { get; set; } = 30;

    /// <summary>A raw socket must identify itself within this time.</summary>
    [Range(1, 3600)] public int HandshakeTimeoutSeconds { get; set; } = 10;
}

public sealed class ShutdownOptions
{
    /// <summary>The most the process takes to drain and exit after SIGTERM.</summary>
    [Range(1, 3600)] public int TimeoutSeconds { get; set; } = 10;
}
