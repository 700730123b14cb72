using System.Collections.Concurrent;

namespace SignalRelay.Tests.Core;

/// <summary>
/// What the agents of <see cref="CrashRestartTests"/> saw across the relay's lives: each ACK and each message received,
/// with the life it came in, so what a restarted relay stores and sends can be checked against it.
/// </summary>
public sealed class CrashLedger
{
    public sealed record Ack(int Life, string From, string Id, long Seq, bool Duplicate);

    public sealed record Received(int Life, string Receiver, string From, string Id, long Seq);

    public ConcurrentQueue<Ack> Acks { get; } = new();
    public ConcurrentQueue<Received> Deliveries { get; } = new();
    public ConcurrentQueue<string> Notices { get; } = new();

    public void Acked(int life, string from, string id, long seq, bool duplicate) => Acks.Enqueue(new Ack(life, from, id, seq, duplicate));

    public void Got(int life, string receiver, string from, string id, long seq) =>
        Deliveries.Enqueue(new Received(life, receiver, from, id, seq));

    /// <summary>The highest seq any agent was told of before life <paramref name="life"/>, by an ACK or a delivery.</summary>
    public long HighestBefore(int life) =>
        Acks.Where(a => a.Life < life).Select(a => a.Seq).Concat(Deliveries.Where(d => d.Life < life).Select(d => d.Seq)).DefaultIfEmpty(0).Max();

    /// <summary>Ids some receiver got from <paramref name="from"/>.</summary>
    public HashSet<string> SeenFrom(string from) => Deliveries.Where(d => d.From == from).Select(d => d.Id).ToHashSet();

    /// <summary>Seqs <paramref name="receiver"/> got in the order it first got each, one sender's at a time.</summary>
    public List<long> FirstArrivals(string receiver, string from) =>
        Deliveries.Where(d => d.Receiver == receiver && d.From == from).Select(d => d.Seq).Distinct().ToList();

    /// <summary>Every (sender, id) with the seqs it was acknowledged or delivered under: one each, or a resend went out anew.</summary>
    public Dictionary<(string From, string Id), List<long>> SeqsById() =>
        Acks.Select(a => (a.From, a.Id, a.Seq)).Concat(Deliveries.Select(d => (d.From, d.Id, d.Seq)))
            .GroupBy(o => (o.From, o.Id))
            .ToDictionary(g => g.Key, g => g.Select(o => o.Seq).Distinct().ToList());
}
