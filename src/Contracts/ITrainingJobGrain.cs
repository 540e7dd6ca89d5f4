using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Contracts;

/// <summary>
/// The coordinator of one training job (key = job id): checks and accepts the spec, creates the parameters, runs the
/// synchronous data-parallel steps over the workers and parameter shards, and keeps the job's status and history.
/// </summary>
[Alias("Autograd.Cluster.ITrainingJobGrain")]
public interface ITrainingJobGrain : IGrainWithStringKey
{
    /// <summary>
    /// Checks the spec (building the model once on a dummy batch) and starts training in the background.
    /// Throws <see cref="JobSpecException"/> naming the field at fault; a refused spec leaves the job unstarted.
    /// </summary>
    [Alias("Submit")]
    Task<JobStatus> SubmitAsync(JobSpec spec);

    [Alias("GetStatus")]
    Task<JobStatus> GetStatusAsync();

    /// <summary>Stops the job after the step in flight; its parameters stay readable.</summary>
    [Alias("Cancel")]
    Task<JobStatus> CancelAsync(string reason);

    /// <summary>
    /// Restarts a failed or cancelled job from its last complete checkpoint (or from its initial parameters when it has
    /// none) on <paramref name="workers"/> workers (null: as many as the spec asks), re-slicing the checkpoint into the
    /// new shard layout. Throws <see cref="JobSpecException"/> (field <c>workers</c>) for an impossible worker count.
    /// </summary>
    [Alias("Resume")]
    Task<JobStatus> ResumeAsync(int? workers);

    /// <summary>The names, shapes and offsets of the state dict entries in the flat vector <see cref="ReadParametersAsync"/> reads.</summary>
    [Alias("GetParameterLayout")]
    Task<ParameterLayout> GetParameterLayoutAsync();

    /// <summary>
    /// Reads <paramref name="count"/> values (at most <see cref="FloatBlock.MaxFloats"/>) of the final state dict's flat
    /// vector from <paramref name="offset"/>, once the job has ended (from checkpoint storage when the coordinator was
    /// re-activated on another silo since).
    /// </summary>
    [Alias("ReadParameters")]
    Task<FloatBlock> ReadParametersAsync(long offset, int count);
}
