using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Orleans.Concurrency;

namespace Autograd.Cluster.Contracts;

/// <summary>
/// One data-parallel replica (key = <c>{jobId}/{slot}</c>; its rank comes with <see cref="WorkerSetup"/>): holds the model on its silo's device, computes the
/// gradient of its part of each global batch, sends it to the parameter shards and takes back the updated parameters.
/// </summary>
[Alias("Autograd.Cluster.IWorkerGrain")]
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Builds the model and the data, then loads the parameters from the shards (initial or restored). Called again on
    /// a live worker after a recovery: the activation stays, its rank and shards may change.
    /// </summary>
    [Alias("Initialize")]
    Task<WorkerInfo> InitializeAsync(WorkerSetup setup);

    /// <summary>
    /// Runs the consecutive steps of <paramref name="run"/>, each one as a synchronous data-parallel step: forward and
    /// backward on its samples, gradient out to the shards, parameters back (the shards wait for every worker, so the
    /// workers stay in step without the coordinator). Answers one result per step run, in order. The coordinator queues
    /// the next run behind the one in progress, so that the worker goes on without waiting for it; a run that arrives
    /// before the one it follows is answered <see cref="StepRunResult.Early"/>. The coordinator times each step against
    /// the job's step timeout, and a run may take many of those: Orleans' response timeout (30 s by default) must not
    /// end it first.
    /// </summary>
    [ResponseTimeout("1.00:00:00")]
    [Alias("RunSteps")]
    Task<StepRunResult> RunStepsAsync(StepRun run);

    /// <summary>
    /// Ends the run in progress after step <paramref name="lastStep"/>: no later step starts, in it or in a run queued
    /// behind it, and a later step waiting for the shards is abandoned (its contribution stays with the shards, so the
    /// job cannot go on with this formation: the coordinator uses it when the job stops, e.g. at a non-finite step
    /// another worker found). Holds until the worker is set up again. Runs interleaved with the run it stops.
    /// </summary>
    [AlwaysInterleave]
    [Alias("StopRun")]
    Task StopRunAsync(long lastStep);

    /// <summary>The step the worker runs now or next: how far a run has got. Runs interleaved with the run.</summary>
    [AlwaysInterleave]
    [Alias("GetNextStep")]
    Task<long> GetNextStepAsync();

    /// <summary>
    /// Evaluates the current parameters on the worker's share of the test split (rank r of N takes samples r, r + N,
    /// ...), in eval mode and without gradients; zero samples when the dataset has no test split.
    /// </summary>
    [Alias("Evaluate")]
    Task<EvaluationResult> EvaluateAsync();

    /// <summary>The model's persistent buffers (BatchNorm running statistics), flattened in state-dict order.</summary>
    [Alias("ReadBuffers")]
    Task<FloatBlock> ReadBuffersAsync();

    [Alias("GetInfo")]
    Task<WorkerInfo> GetInfoAsync();

    /// <summary>
    /// Cancels the step in progress, if any, so that the worker can be set up again at once (a shard it waits on may
    /// have died with its silo). Runs interleaved with the step it cancels.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Abort")]
    Task AbortAsync(string reason);

    /// <summary>Frees the model and data and lets the activation go.</summary>
    [Alias("Release")]
    Task ReleaseAsync();
}
