namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>How often <see cref="ProcessHealthSampler"/> samples the process and probes the thread pool.</summary>
public sealed record ProcessHealthOptions
{
    /// <summary>Between two <c>process-health {json}</c> log lines (default 10 s).</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Between two thread-pool probes (default 1 s): a work item queued to the pool, timed until it runs.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A probe that waited longer than this is logged as starvation (default 1 s: the delay at which Orleans'
    /// own <c>LocalSiloHealthMonitor</c> complains that ".NET Thread Pool execution stalled").
    /// </summary>
    public TimeSpan StarvationThreshold { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws naming the property when an interval or the threshold is not positive.</summary>
    public void Validate()
    {
        if (SampleInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(SampleInterval), SampleInterval, "must be positive");
        if (ProbeInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ProbeInterval), ProbeInterval, "must be positive");
        if (StarvationThreshold <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(StarvationThreshold), StarvationThreshold, "must be positive");
    }
}
