using System.Diagnostics;
using Autograd.Cluster.Silo.Telemetry;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// Keeps a chunk that crossed the data plane in its sender's trace. An Orleans grain call carries
/// <see cref="Activity.Current"/> to the callee; a data-plane frame carries it as a trace context
/// (<see cref="FrameHeader.HasTraceContext"/>), and the receiving silo makes its local call to the shard under an
/// activity whose parent is that context, so Orleans' activity propagation hands it on and the shard's spans
/// (<see cref="TrainingTelemetry.GradientAveragingSpan"/>, ...) land in the step's trace as they did over grain calls.
/// </summary>
internal static class DataPlaneTelemetry
{
    /// <summary>The activity source of the data plane's server spans (<see cref="ReduceSpan"/>).</summary>
    public const string Name = "Autograd.Cluster.DataPlane";

    /// <summary>The span of one received chunk, from its arrival to the shard's answer (kind Server).</summary>
    public const string ReduceSpan = "dataplane.reduce";

    /// <summary>Tag holding the shard grain's key on a <see cref="ReduceSpan"/>.</summary>
    public const string ShardKeyTag = "autograd.shard_key";

    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>
    /// The sender's trace context to put in a frame: that of <see cref="Activity.Current"/> when there is one with W3C
    /// ids, otherwise default (none is sent; when nobody listens there is never a current activity).
    /// </summary>
    public static ActivityContext Outgoing() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current && current.TraceId != default ? current.Context : default;

    /// <summary>
    /// Starts the server span of a chunk received with the trace context <paramref name="parent"/> and makes it
    /// <see cref="Activity.Current"/>; a grain call started under it carries the trace on. When nobody listens to
    /// <see cref="Name"/> (or the sampler drops the span), an unreported activity of the same parent is started
    /// instead, so that the trace still reaches the shard. The caller restores <see cref="Activity.Current"/> and stops
    /// the activity.
    /// </summary>
    public static Activity StartReduce(in ActivityContext parent, string shardKey, in FrameHeader frame, string peer)
    {
        var span = ActivitySource.HasListeners() ? ActivitySource.StartActivity(ReduceSpan, ActivityKind.Server, parent) : null;
        if (span is null) return new Activity(ReduceSpan).SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags).Start();
        if (span.IsAllDataRequested)
        {
            span.SetTag(ShardKeyTag, shardKey)
                .SetTag(TrainingTelemetry.StepTag, frame.Step)
                .SetTag(TrainingTelemetry.RankTag, frame.Rank)
                .SetTag("network.peer.address", peer);
        }

        return span;
    }
}
