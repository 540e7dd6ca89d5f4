using System.Diagnostics;
using System.Text.Json.Serialization;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>
/// One reading of the silo process: GC heap, working set, collections, threads, the thread pool and the starvation
/// probe. Logged as <c>process-health {json}</c> (<see cref="ProcessHealthJsonContext"/>, snake_case names) so that a
/// script or the soak benchmark can follow a silo's memory over time from its log.
/// </summary>
public sealed record ProcessHealthSample
{
    /// <summary>The sample's number in this process, from 1.</summary>
    [JsonPropertyName("seq")]
    public long Sequence { get; init; }

    /// <summary>When it was taken (UTC).</summary>
    [JsonPropertyName("time")]
    public DateTimeOffset Time { get; init; }

    /// <summary>Seconds since the sampler started.</summary>
    [JsonPropertyName("uptime_s")]
    public double UptimeSeconds { get; init; }

    /// <summary>The process id.</summary>
    [JsonPropertyName("pid")]
    public int ProcessId { get; init; }

    /// <summary>The GC heap's size after the last collection, fragmentation included (<see cref="GCMemoryInfo.HeapSizeBytes"/>).</summary>
    [JsonPropertyName("gc_heap_bytes")]
    public long GcHeapBytes { get; init; }

    /// <summary>Bytes the GC counts as allocated now, without forcing a collection (<see cref="GC.GetTotalMemory(bool)"/>).</summary>
    [JsonPropertyName("gc_total_memory_bytes")]
    public long GcTotalMemoryBytes { get; init; }

    /// <summary>Memory the GC has committed from the OS at the last collection.</summary>
    [JsonPropertyName("gc_committed_bytes")]
    public long GcCommittedBytes { get; init; }

    /// <summary>Generation 2's size after the last collection.</summary>
    [JsonPropertyName("gc_gen2_bytes")]
    public long GcGen2Bytes { get; init; }

    /// <summary>The large object heap's size after the last collection (arrays of 85,000 bytes and more live there; allocating them counts towards gen-2 collections).</summary>
    [JsonPropertyName("gc_loh_bytes")]
    public long GcLohBytes { get; init; }

    /// <summary>Bytes allocated since the process started (the allocation rate is its slope).</summary>
    [JsonPropertyName("allocated_bytes")]
    public long AllocatedBytes { get; init; }

    /// <summary>The process's physical memory (<see cref="Environment.WorkingSet"/>, the resident set on Linux).</summary>
    [JsonPropertyName("working_set_bytes")]
    public long WorkingSetBytes { get; init; }

    /// <summary>Generation 0 collections since the process started.</summary>
    [JsonPropertyName("gen0")]
    public int Gen0Collections { get; init; }

    /// <summary>Generation 1 collections since the process started.</summary>
    [JsonPropertyName("gen1")]
    public int Gen1Collections { get; init; }

    /// <summary>Generation 2 (full) collections since the process started.</summary>
    [JsonPropertyName("gen2")]
    public int Gen2Collections { get; init; }

    /// <summary>Total time the GC paused the process since it started, in milliseconds.</summary>
    [JsonPropertyName("gc_pause_ms")]
    public double GcPauseMilliseconds { get; init; }

    /// <summary>The process's OS threads.</summary>
    [JsonPropertyName("threads")]
    public int Threads { get; init; }

    /// <summary>Threads of the .NET thread pool.</summary>
    [JsonPropertyName("threadpool_threads")]
    public int ThreadPoolThreads { get; init; }

    /// <summary>Work items queued to the thread pool and not yet started.</summary>
    [JsonPropertyName("threadpool_pending")]
    public long ThreadPoolPending { get; init; }

    /// <summary>Work items the thread pool has run since the process started.</summary>
    [JsonPropertyName("threadpool_completed")]
    public long ThreadPoolCompleted { get; init; }

    /// <summary>The longest a starvation probe waited in the pool's queue since the previous sample, in milliseconds.</summary>
    [JsonPropertyName("probe_max_delay_ms")]
    public double ProbeMaxDelayMilliseconds { get; init; }

    /// <summary>Starvation probes completed since the sampler started.</summary>
    [JsonPropertyName("probes")]
    public long Probes { get; init; }

    /// <summary>Starvation warnings logged since the sampler started.</summary>
    [JsonPropertyName("starvation_warnings")]
    public long StarvationWarnings { get; init; }

    /// <summary>Reads the process now; <paramref name="detector"/> gives the probe figures (and resets its maximum).</summary>
    public static ProcessHealthSample Capture(long sequence, DateTimeOffset time, TimeSpan uptime, ThreadPoolStarvationDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        var gc = GC.GetGCMemoryInfo();
        using var process = Process.GetCurrentProcess();
        return new ProcessHealthSample
        {
            Sequence = sequence,
            Time = time,
            UptimeSeconds = Math.Round(uptime.TotalSeconds, 1),
            ProcessId = Environment.ProcessId,
            GcHeapBytes = gc.HeapSizeBytes,
            GcTotalMemoryBytes = GC.GetTotalMemory(forceFullCollection: false),
            GcCommittedBytes = gc.TotalCommittedBytes,
            // Before the first collection the generation list is empty.
            GcGen2Bytes = gc.GenerationInfo.Length > 2 ? gc.GenerationInfo[2].SizeAfterBytes : 0,
            GcLohBytes = gc.GenerationInfo.Length > 3 ? gc.GenerationInfo[3].SizeAfterBytes : 0,
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: false),
            WorkingSetBytes = Environment.WorkingSet,
            Gen0Collections = GC.CollectionCount(0),
            Gen1Collections = GC.CollectionCount(1),
            Gen2Collections = GC.CollectionCount(2),
            GcPauseMilliseconds = Math.Round(GC.GetTotalPauseDuration().TotalMilliseconds, 1),
            Threads = process.Threads.Count,
            ThreadPoolThreads = ThreadPool.ThreadCount,
            ThreadPoolPending = ThreadPool.PendingWorkItemCount,
            ThreadPoolCompleted = ThreadPool.CompletedWorkItemCount,
            ProbeMaxDelayMilliseconds = Math.Round(detector.TakeMaxDelay().TotalMilliseconds, 1),
            Probes = detector.Probes,
            StarvationWarnings = detector.Warnings,
        };
    }
}
