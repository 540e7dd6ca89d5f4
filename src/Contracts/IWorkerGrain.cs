using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Contracts;

/// <summary>
/// One data-parallel replica (key = <c>{jobId}/{rank}</c>): holds the model on its silo's device, computes the
/// gradient of its part of each global batch, sends it to the parameter shards and takes back the updated parameters.
/// </summary>
[Alias("Autograd.Cluster.IWorkerGrain")]
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Builds the model and the data, then loads the initial parameters from the shards.</summary>
    [Alias("Initialize")]
    Task<WorkerInfo> InitializeAsync(WorkerSetup setup);

    /// <summary>Runs one step: forward and backward on its samples, gradient out to the shards, parameters back.</summary>
    [Alias("RunStep")]
    Task<WorkerStepResult> RunStepAsync(StepCommand command);

    /// <summary>The model's persistent buffers (BatchNorm running statistics), flattened in state-dict order.</summary>
    [Alias("ReadBuffers")]
    Task<FloatBlock> ReadBuffersAsync();

    [Alias("GetInfo")]
    Task<WorkerInfo> GetInfoAsync();

    /// <summary>Frees the model and data and lets the activation go.</summary>
    [Alias("Release")]
    Task ReleaseAsync();
}
