namespace SignalRelay.Tests.Infrastructure;

/// <summary>A wall clock the test sets, for stamps that must land on chosen times; timers still run on real time.</summary>
public sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
