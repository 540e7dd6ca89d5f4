using System.Diagnostics;
using System.Diagnostics.Metrics;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>
/// The meter and activity source <see cref="Name"/> (<c>Autograd.Cluster</c>) through which the training grains report
/// what a person watching a job wants to see: loss, accuracy, throughput, step and gradient-averaging times, gradient
/// norm, workers, checkpoints and recoveries, each tagged with the job id (and the worker's rank where one applies),
/// plus one span per step with children for forward/backward, gradient averaging and the optimizer update.
/// </summary>
/// <remarks>
/// Static, like the runtime's own meters: a grain calls one method per event and pays next to nothing when no
/// listener (OpenTelemetry's MeterProvider, a test's MeterListener) subscribes. Spans cross silos because Orleans
/// carries <see cref="Activity.Current"/> through grain calls when activity propagation is on.
/// </remarks>
public static class TrainingTelemetry
{
    /// <summary>Name of the meter and of the activity source.</summary>
    public const string Name = "Autograd.Cluster";

    /// <summary>Tag holding the job id on every measurement and span.</summary>
    public const string JobTag = "autograd.job";

    /// <summary>Tag holding a worker's rank.</summary>
    public const string RankTag = "autograd.rank";

    /// <summary>Tag holding a parameter shard's index.</summary>
    public const string ShardTag = "autograd.shard";

    /// <summary>Tag holding the step number on a span.</summary>
    public const string StepTag = "autograd.step";

    /// <summary>Span names, one per phase of a step.</summary>
    public const string StepSpan = "train.step", WorkerStepSpan = "train.worker_step", ForwardBackwardSpan = "train.forward_backward",
        GradientAveragingSpan = "train.gradient_averaging", OptimizerUpdateSpan = "train.optimizer_update";

    private static readonly Meter Meter = new(Name);

    /// <summary>The source every training span starts from.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    internal static readonly Gauge<double> Loss = Meter.CreateGauge<double>(
        "autograd.training.loss", description: "Mean training loss of the last step (the value the job's history records)");

    internal static readonly Gauge<double> Accuracy = Meter.CreateGauge<double>(
        "autograd.training.accuracy", description: "Training accuracy of the last step's global batch, 0 to 1 (classification losses)");

    internal static readonly Gauge<double> EpochLoss = Meter.CreateGauge<double>(
        "autograd.training.epoch.loss", description: "Mean training loss of the last finished epoch (the job's epoch history)");

    internal static readonly Gauge<double> TestAccuracy = Meter.CreateGauge<double>(
        "autograd.training.test.accuracy", description: "Accuracy on the test split after the last finished epoch, 0 to 1");

    internal static readonly Gauge<double> SamplesPerSecond = Meter.CreateGauge<double>(
        "autograd.training.samples_per_second", unit: "{sample}/s", description: "Global batch size over the last step's wall time");

    internal static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>(
        "autograd.training.step.duration", unit: "s", description: "Wall time of one synchronous step: its slowest worker's, from its batch to its updated parameters");

    internal static readonly Histogram<double> GradientAveragingDuration = Meter.CreateHistogram<double>(
        "autograd.training.gradient_averaging.duration", unit: "s", description: "Time a parameter shard spent summing, averaging and applying its slice");

    internal static readonly Gauge<double> GradientNorm = Meter.CreateGauge<double>(
        "autograd.training.gradient_norm", description: "L2 norm of one shard's slice of the last step's averaged gradient (the whole gradient's norm is the root of the sum of the squares over shards)");

    internal static readonly Gauge<int> ActiveWorkers = Meter.CreateGauge<int>(
        "autograd.training.workers.active", unit: "{worker}", description: "Workers taking part in the job's current step");

    internal static readonly Histogram<double> WorkerStepDuration = Meter.CreateHistogram<double>(
        "autograd.training.worker.step.duration", unit: "s", description: "One worker's forward and backward time for its slice of a step");

    internal static readonly Counter<long> Steps = Meter.CreateCounter<long>(
        "autograd.training.steps", unit: "{step}", description: "Steps completed");

    internal static readonly Counter<long> CheckpointsWritten = Meter.CreateCounter<long>(
        "autograd.training.checkpoints", unit: "{checkpoint}", description: "Checkpoints written");

    internal static readonly Counter<long> Recoveries = Meter.CreateCounter<long>(
        "autograd.training.recoveries", unit: "{recovery}", description: "Times the job re-formed its workers after losing some");

    /// <summary>
    /// A step finished: its loss and training accuracy (the values the job's status reports), its global batch of
    /// <paramref name="samples"/> (throughput = samples / <paramref name="duration"/>), its wall time and the workers it ran on.
    /// </summary>
    public static void StepCompleted(string jobId, double loss, double? accuracy, int samples, TimeSpan duration, int activeWorkers)
    {
        var job = JobTags(jobId);
        Loss.Record(loss, job);
        if (accuracy is { } a)
            Accuracy.Record(a, job);
        Steps.Add(1, job);
        StepDuration.Record(duration.TotalSeconds, job);
        ActiveWorkers.Record(activeWorkers, job);
        if (duration > TimeSpan.Zero)
            SamplesPerSecond.Record(samples / duration.TotalSeconds, job);
    }

    /// <summary>An epoch finished: its mean loss and, with a test split, the test accuracy (the job's epoch history).</summary>
    public static void EpochCompleted(string jobId, EpochMetrics epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        var job = JobTags(jobId);
        EpochLoss.Record(epoch.MeanLoss, job);
        if (epoch.TestAccuracy is { } accuracy)
            TestAccuracy.Record(accuracy, job);
    }

    /// <summary>
    /// Parameter shard <paramref name="shard"/> averaged its slice of a step's gradients in <paramref name="duration"/>;
    /// <paramref name="averagedNorm"/> gives the averaged slice's L2 norm, asked only while the gradient-norm gauge has a
    /// listener.
    /// </summary>
    public static void GradientsAveraged(string jobId, int shard, TimeSpan duration, Func<float> averagedNorm)
    {
        ArgumentNullException.ThrowIfNull(averagedNorm);
        KeyValuePair<string, object?> job = new(JobTag, jobId), slice = new(ShardTag, shard);
        GradientAveragingDuration.Record(duration.TotalSeconds, job, slice);
        // The norm reads the whole averaged slice: only when someone listens.
        if (GradientNorm.Enabled)
            GradientNorm.Record(averagedNorm(), job, slice);
    }

    /// <summary>Worker <paramref name="rank"/> ran forward and backward on its slice in <paramref name="duration"/>.</summary>
    public static void WorkerStepCompleted(string jobId, int rank, TimeSpan duration) =>
        WorkerStepDuration.Record(duration.TotalSeconds, new(JobTag, jobId), new(RankTag, rank));

    /// <summary>The coordinator wrote a checkpoint.</summary>
    public static void CheckpointWritten(string jobId) => CheckpointsWritten.Add(1, JobTags(jobId));

    /// <summary>The coordinator recovered from losing workers or shards.</summary>
    public static void Recovered(string jobId) => Recoveries.Add(1, JobTags(jobId));

    /// <summary>
    /// Starts the span of step <paramref name="step"/> on the coordinator, as the root of its own trace (linked to the
    /// trace the caller is in, e.g. the job's submit call): a job of thousands of steps would otherwise be one endless
    /// trace. Call it from the async method that runs the step, so that the caller's context comes back when it returns.
    /// Null when nobody listens.
    /// </summary>
    public static Activity? StartStep(string jobId, long step) => StartStep(jobId, step, Activity.Current);

    /// <summary>
    /// <see cref="StartStep(string, long)"/> linked to <paramref name="caller"/>, for several steps started at once: the
    /// current activity cannot be set back to a caller that has stopped (a call long answered), so after the first step
    /// it would be that step's span.
    /// </summary>
    public static Activity? StartStep(string jobId, long step, Activity? caller)
    {
        if (!ActivitySource.HasListeners()) return null;
        Activity.Current = null;
        ActivityLink[]? links = caller is null ? null : [new ActivityLink(caller.Context)];
        return ActivitySource.StartActivity(StepSpan, ActivityKind.Internal, parentContext: default, links: links)?.SetTag(JobTag, jobId).SetTag(StepTag, step);
    }

    /// <summary>
    /// Starts worker <paramref name="rank"/>'s span of step <paramref name="step"/> of a run, a child of the coordinator's
    /// span of that step (<paramref name="traceParent"/>, its W3C <c>traceparent</c>): the worker runs several steps in one
    /// call, so the call's own trace context is only the first step's. Null when nobody listens or the context is invalid.
    /// </summary>
    public static Activity? StartWorkerStep(string jobId, long step, int rank, string traceParent) =>
        ActivitySource.HasListeners() && ActivityContext.TryParse(traceParent, null, out var parent)
            ? ActivitySource.StartActivity(WorkerStepSpan, ActivityKind.Internal, parent)?.SetTag(JobTag, jobId).SetTag(StepTag, step).SetTag(RankTag, rank)
            : null;

    /// <summary>Starts worker <paramref name="rank"/>'s forward/backward span, a child of the step's span across silos.</summary>
    public static Activity? StartForwardBackward(string jobId, long step, int rank) =>
        Start(ForwardBackwardSpan, jobId, step)?.SetTag(RankTag, rank);

    /// <summary>Starts shard <paramref name="shard"/>'s gradient-averaging span.</summary>
    public static Activity? StartGradientAveraging(string jobId, long step, int shard) =>
        Start(GradientAveragingSpan, jobId, step)?.SetTag(ShardTag, shard);

    /// <summary>Starts shard <paramref name="shard"/>'s optimizer-update span.</summary>
    public static Activity? StartOptimizerUpdate(string jobId, long step, int shard) =>
        Start(OptimizerUpdateSpan, jobId, step)?.SetTag(ShardTag, shard);

    private static Activity? Start(string name, string jobId, long step) =>
        ActivitySource.StartActivity(name, ActivityKind.Internal)?.SetTag(JobTag, jobId).SetTag(StepTag, step);

    private static KeyValuePair<string, object?> JobTags(string jobId) => new(JobTag, jobId);
}
