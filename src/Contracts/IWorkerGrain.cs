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

    /// <summary>Runs one step: forward and backward on its samples, gradient out to the shards, parameters back.</summary>
    [Alias("RunStep")]
    Task<WorkerStepResult> RunStepAsync(StepCommand command);

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
