using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Contracts;

/// <summary>
/// One contiguous slice of a job's flattened parameters and the optimizer state of that slice (ZeRO stage 1),
/// key = <c>{jobId}/{shard}</c>. Each step it takes one gradient slice from every worker, averages them weighted by
/// the workers' sample counts, applies the optimizer and answers every worker with the updated slice.
/// </summary>
[Alias("Autograd.Cluster.IParameterShardGrain")]
public interface IParameterShardGrain : IGrainWithStringKey
{
    [Alias("Initialize")]
    Task InitializeAsync(ShardSetup setup);

    /// <summary>
    /// Adds one chunk of one worker's gradient for the step (<see cref="GradientChunks"/>: the whole slice when it
    /// fits one chunk); completes with the updated values of the same chunk once every worker sent every chunk.
    /// </summary>
    [Alias("Reduce")]
    Task<FloatBlock> ReduceAsync(GradientContribution contribution);

    /// <summary>The slice's current values.</summary>
    [Alias("GetParameters")]
    Task<FloatBlock> GetParametersAsync();

    [Alias("GetInfo")]
    Task<ShardInfo> GetInfoAsync();

    /// <summary>
    /// Writes the slice's values and optimizer state to checkpoint storage, by parameter name, as the record of
    /// <paramref name="step"/> (the shard must have applied exactly that many steps, with none in progress).
    /// </summary>
    [Alias("Checkpoint")]
    Task CheckpointAsync(long step);

    /// <summary>Fails the step in progress (and every later one) with <paramref name="reason"/>.</summary>
    [Alias("Abort")]
    Task AbortAsync(string reason);

    /// <summary>Frees the slice and optimizer state and lets the activation go.</summary>
    [Alias("Release")]
    Task ReleaseAsync();
}
