using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Checkpoints;
using Autograd.Cluster.Silo.Training;
using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// An ended job's final state dict (parameters, then rank 0's buffers, as one flat vector in
/// <see cref="TrainingJobState.FinalValues"/>): read back from the members when the run ends, stored in chunks through
/// the <see cref="CheckpointStore"/>, and read from there by a later activation that is asked for it.
/// </summary>
internal sealed class FinalParameters(TrainingJobState state, CheckpointStore checkpoints, TimeProvider time, ILogger logger)
{
    /// <summary>The number of chunks the stored state dict was written in (0: none stored), for the job's record.</summary>
    public int Chunks { get; private set; }

    /// <summary>The number of values of the stored state dict, for the job's record.</summary>
    public long Length { get; private set; }

    /// <summary>Takes the stored state dict's place from the job's persisted record.</summary>
    public void Reload(int chunks, long length)
    {
        Chunks = chunks;
        Length = length;
    }

    /// <summary>Forgets the stored state dict (a resumed job will store a new one when it ends).</summary>
    public void Forget() => Chunks = 0;

    /// <summary>Reads the parameters back from the shards and rank 0's buffers, as the job's final state dict.</summary>
    public async Task CollectAsync(JobPlan plan, JobMembers members, bool ignoreFailure = false)
    {
        try
        {
            var slices = members.Shards.Select(s => s.GetParametersAsync()).ToArray();
            var buffers = members.Workers[0].Grain.ReadBuffersAsync();
            await Task.WhenAll(slices.Append<Task>(buffers)).WaitAsync(BestEffortCleanup.Timeout, time);
            var values = new float[plan.Layout.TotalElements];
            foreach (var (range, s) in members.ShardRanges.Select((r, s) => (r, s)))
                slices[s].Result.CopyTo(values.AsSpan((int)range.Offset, range.Count));
            buffers.Result.CopyTo(values.AsSpan((int)plan.ParameterCount));
            state.FinalValues = values;
        }
        catch (Exception e) when (ignoreFailure)
        {
            state.AddEvent("parameters-lost", $"the parameters could not be read back: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Writes the final state dict (when there is one), then the ended job's record through <paramref name="writeRecord"/>,
    /// so any later activation can serve them.
    /// </summary>
    public async Task StoreAsync(Func<Task> writeRecord)
    {
        try
        {
            if (state.FinalValues is { } values)
            {
                Chunks = await checkpoints.WriteFinalAsync(state.JobId, values);
                Length = values.Length;
            }

            await writeRecord();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Job {JobId}: the final parameters could not be stored", state.JobId);
            state.AddEvent("store-failed", $"the final parameters could not be stored: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// <paramref name="count"/> values of the state dict from <paramref name="offset"/>: once the job has ended, loaded
    /// from storage on the first read when this activation did not collect them itself.
    /// </summary>
    public async Task<FloatBlock> ReadAsync(long offset, int count)
    {
        if (state.FinalValues is null && Chunks > 0 && state.State is JobState.Completed or JobState.Failed or JobState.Cancelled)
            state.FinalValues = await checkpoints.ReadFinalAsync(state.JobId, Chunks, Length);
        var values = state.FinalValues
            ?? throw new InvalidOperationException($"job {state.JobId} is {state.State}: its parameters are readable once it has ended" + (state.State == JobState.Failed ? " (they could not be read back after the failure)" : string.Empty));
        if (offset < 0 || count < 0 || count > FloatBlock.MaxFloats || offset + count > values.Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot read {count} values at {offset} of {values.Length} (at most {FloatBlock.MaxFloats} per read)");
        return FloatBlock.From(values.AsSpan((int)offset, count));
    }
}
