using System.Diagnostics.Metrics;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>
/// What <see cref="ProcessHealthSampler"/> adds to the <see cref="TrainingTelemetry.Name"/> meter: the thread-pool
/// probes' queue delay and the starvation warnings. GC heap, working set, collection counts and thread-pool counts are
/// not repeated here: the runtime and process instrumentation that ServiceDefaults registers already exports them
/// (<c>dotnet.gc.last_collection.heap.size</c>, <c>dotnet.process.memory.working_set</c>, <c>dotnet.gc.collections</c>,
/// <c>dotnet.thread_pool.thread.count</c>, <c>dotnet.thread_pool.queue.length</c>, <c>dotnet.thread_pool.work_item.count</c>).
/// </summary>
public static class ProcessHealthTelemetry
{
    /// <summary>Histogram of how long each probe waited in the thread pool's queue, in seconds.</summary>
    public const string QueueDelayName = "autograd.process.threadpool.queue_delay";

    /// <summary>Counter of probes that waited longer than the starvation threshold.</summary>
    public const string StarvationName = "autograd.process.threadpool.starvation";

    // Same name as TrainingTelemetry's meter: exporters subscribe by name, so both reach the same OTLP stream.
    private static readonly Meter Meter = new(TrainingTelemetry.Name);

    internal static readonly Histogram<double> QueueDelay = Meter.CreateHistogram<double>(
        QueueDelayName, unit: "s", description: "Time a probe work item waited in the .NET thread pool's queue before it ran");

    internal static readonly Counter<long> Starvation = Meter.CreateCounter<long>(
        StarvationName, unit: "{warning}", description: "Thread-pool probes that waited longer than the starvation threshold");
}
