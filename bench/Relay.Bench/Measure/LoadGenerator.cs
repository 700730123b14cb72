using System.Diagnostics;
using SignalRelay.Bench.Doors;

namespace SignalRelay.Bench.Measure;

/// <summary>
/// Drives one run: connects every agent, has each send its messages within its window (and at its share
/// of the offered rate), waits for ACKs and deliveries, and tallies the ledger. Bounded by the spec's cap.
/// </summary>
public sealed class LoadGenerator(RunSpec spec, Uri server)
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(3);
    private const int ConnectParallelism = 32;

    private readonly DeliveryLedger _ledger = new(spec);
    private readonly string _filler = BenchPayload.Filler(spec.PayloadBytes);

    /// <summary>Seconds spent connecting every agent.</summary>
    public double ConnectSeconds { get; private set; }

    /// <summary>Each relay agent's bearer token, by agent id, when the relay requires auth.</summary>
    public Func<string, Task<string>>? TokenFor { get; init; }

    /// <summary>Runs with the number connected once connecting is over, before the first message (e.g. to sample server memory).</summary>
    public Action<int>? Connected { get; init; }

    public async Task<GeneratorResult> RunAsync()
    {
        var agents = new IBenchAgent[spec.Agents];
        for (var i = 0; i < agents.Length; i++)
        {
            var token = TokenFor is null ? null : await TokenFor(AgentNames.Of(spec, i));
            agents[i] = AgentFactory.Create(spec, server, i, _ledger, token);
        }
        var readers = new List<HistoryReader>();
        try
        {
            await ConnectAllAsync(agents);
            Connected?.Invoke(_ledger.ConnectedCount);
            await ConnectReadersAsync(readers);

            var start = Stopwatch.GetTimestamp();
            using var sending = new CancellationTokenSource();
            var readerContent = new BenchPayload(Sender: -1, Number: 0, SentTimestamp: 0).Encode(_filler);
            var reading = readers.Select(r => r.RunAsync(readerContent, sending.Token)).ToArray();
            var senders = spec.Idle ? [SendAllAsync(agents[0], 0, start)] : agents.Select((a, i) => SendAllAsync(a, i, start)).ToArray();
            await Task.WhenAll(senders);
            var sendEnd = Stopwatch.GetTimestamp();
            await sending.CancelAsync();
            await Task.WhenAll(reading);
            await WaitForDeliveriesAsync();
            return Result(start, sendEnd) with { HistoryReplies = readers.Count == 0 ? null : readers.Sum(r => r.Answered) };
        }
        finally
        {
            await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism },
                async (agent, _) => await agent.DisposeAsync());
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    /// <summary>The spec's history readers, on the relay's v0.3 door only (the references have no history).</summary>
    private async Task ConnectReadersAsync(List<HistoryReader> readers)
    {
        if (spec.Door != Door.V03)
        {
            return;
        }
        using var cap = new CancellationTokenSource(spec.ConnectCap);
        for (var i = 0; i < spec.HistoryReaders; i++)
        {
            var name = $"{spec.AgentPrefix}-reader{i}";
            var reader = new HistoryReader(server, name, TokenFor is null ? null : await TokenFor(name));
            readers.Add(reader);
            await reader.ConnectAsync(cap.Token);
        }
    }

    /// <summary>
    /// Connects the agents, the first one alone (it sends in idle runs). An idle run keeps whoever connected
    /// within the cap and counts the rest as not connected; any other run needs every agent.
    /// </summary>
    private async Task ConnectAllAsync(IBenchAgent[] agents)
    {
        var connecting = Stopwatch.StartNew();
        using var cap = new CancellationTokenSource(spec.ConnectCap);
        try
        {
            await agents[0].ConnectAsync(cap.Token);
            _ledger.MarkConnected(0);
            await Parallel.ForEachAsync(Enumerable.Range(1, agents.Length - 1),
                new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cap.Token },
                async (i, ct) =>
                {
                    await agents[i].ConnectAsync(ct);
                    _ledger.MarkConnected(i);
                });
        }
        catch (OperationCanceledException) when (cap.IsCancellationRequested && spec.Idle && _ledger.ConnectedCount > 1)
        {
            // Reported as connected < agents.
        }
        ConnectSeconds = connecting.Elapsed.TotalSeconds;
    }

    private async Task SendAllAsync(IBenchAgent agent, int index, long start)
    {
        using var window = new SemaphoreSlim(spec.Window, spec.Window);
        var target = spec.TargetOf(index);
        var to = target < 0 ? null : AgentNames.Of(spec, target);
        // At an offered rate, each agent sends every `interval`, staggered so the agents do not send in bursts.
        var interval = spec.OfferedRate > 0 ? spec.Agents / spec.OfferedRate : 0;
        var offset = interval * index / spec.Agents;
        for (var n = 0; n < spec.MessagesPerAgent; n++)
        {
            if (Stopwatch.GetElapsedTime(start) > spec.DurationCap)
            {
                break;
            }
            if (interval > 0)
            {
                var due = TimeSpan.FromSeconds(offset + n * interval) - Stopwatch.GetElapsedTime(start);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }
            }
            await window.WaitAsync();
            var content = new BenchPayload(index, n, Stopwatch.GetTimestamp()).Encode(_filler);
            _ledger.RecordSent();
            _ = AwaitAckAsync(agent.SendAsync(n, to, content, CancellationToken.None), index, n, window);
        }
        for (var i = 0; i < spec.Window; i++)
        {
            if (!await window.WaitAsync(AckTimeout))
            {
                _ledger.RecordFailure(new TimeoutException($"Agent {index}: ACKs still missing after {AckTimeout.TotalSeconds} s."));
                return;
            }
        }
    }

    private async Task AwaitAckAsync(Task send, int sender, int number, SemaphoreSlim window)
    {
        try
        {
            await send.WaitAsync(AckTimeout);
            _ledger.RecordAck(sender, number);
        }
        catch (Exception ex)
        {
            _ledger.RecordFailure(ex);
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>Waits until every owed delivery arrived, or nothing arrived for a while.</summary>
    private async Task WaitForDeliveriesAsync()
    {
        var lastCount = -1L;
        var lastProgress = Stopwatch.GetTimestamp();
        while (_ledger.UniqueDeliveries < _ledger.ExpectedDeliveries)
        {
            var count = _ledger.UniqueDeliveries;
            if (count != lastCount)
            {
                lastCount = count;
                lastProgress = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) > QuietLimit)
            {
                return;
            }
            await Task.Delay(5);
        }
        // Give stray duplicates a moment to show up before the books are closed.
        await Task.Delay(100);
    }

    private GeneratorResult Result(long start, long sendEnd)
    {
        static double Seconds(long from, long to) => Math.Max(1e-6, (to - from) / (double)Stopwatch.Frequency);
        var lastAck = Math.Max(_ledger.LastAckTimestamp, start);
        var lastDelivery = Math.Max(_ledger.LastDeliveryTimestamp, start);
        var tally = _ledger.Tally();
        return new GeneratorResult(
            Connected: _ledger.ConnectedCount,
            Sent: _ledger.Sent,
            Acked: _ledger.Acked,
            Failed: _ledger.Failed,
            Deliveries: _ledger.UniqueDeliveries,
            ExpectedDeliveries: _ledger.ExpectedDeliveries,
            SentPerSecond: _ledger.Sent / Seconds(start, sendEnd),
            AckedPerSecond: _ledger.Acked / Seconds(start, lastAck),
            DeliveriesPerSecond: _ledger.UniqueDeliveries / Seconds(start, lastDelivery),
            Seconds: Seconds(start, Math.Max(sendEnd, lastDelivery)),
            Tally: tally,
            FirstError: _ledger.FirstError);
    }
}

public sealed record GeneratorResult(
    int Connected,
    long Sent,
    long Acked,
    long Failed,
    long Deliveries,
    long ExpectedDeliveries,
    double SentPerSecond,
    double AckedPerSecond,
    double DeliveriesPerSecond,
    double Seconds,
    DeliveryTally Tally,
    string? FirstError)
{
    /// <summary>History replies and refusals the spec's history readers received; null without readers.</summary>
    public int? HistoryReplies { get; init; }
}
