namespace Autograd.Cluster.Silo.Tests.Telemetry;

/// <summary>A clock that moves only when a test advances it: timestamps in ticks of 100 ns.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks;
    private readonly DateTimeOffset _epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => _epoch.AddTicks(Interlocked.Read(ref _ticks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
