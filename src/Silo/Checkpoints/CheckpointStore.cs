using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Autograd.Cluster.Silo.Checkpoints;

/// <summary>
/// Reads and writes a job's checkpoint records through the grain storage provider named <see cref="ProviderName"/>
/// (Redis with Redis clustering, <see cref="ProcessMemoryGrainStorage"/> otherwise; see
/// <c>SiloBuilderExtensions.AddAutogradTraining</c>). Records have ids of their own, not the writing grain's: a shard
/// record outlives the shard grain that wrote it, and the next layout's shards read it.
/// </summary>
public sealed class CheckpointStore([FromKeyedServices(CheckpointStore.ProviderName)] IGrainStorage storage)
{
    /// <summary>The grain storage provider's name.</summary>
    public const string ProviderName = "checkpoints";

    /// <summary>The final state dict is stored in chunks of this many floats (one storage value each).</summary>
    public const int FinalChunk = 4 * 1024 * 1024;

    private const string ShardState = "shard";
    private const string JobState = "job";
    private const string FinalState = "final";

    public async Task WriteShardAsync(CheckpointReference where, int shard, ShardCheckpoint record)
    {
        // Each record id is written once (a new generation writes new ids), so there is no ETag to carry.
        await storage.WriteStateAsync(ShardState, ShardId(where, shard), new GrainState<ShardCheckpoint>(record));
    }

    public async Task<ShardCheckpoint> ReadShardAsync(CheckpointReference where, int shard)
    {
        var state = new GrainState<ShardCheckpoint>();
        await storage.ReadStateAsync(ShardState, ShardId(where, shard), state);
        if (!state.RecordExists || state.State is null)
            throw new InvalidOperationException($"checkpoint of job {where.JobId} at step {where.Step}: the record of shard {shard} (generation {where.Generation}) is missing");
        return state.State;
    }

    public async Task DeleteShardsAsync(CheckpointReference where)
    {
        for (int s = 0; s < where.Shards; s++)
        {
            var id = ShardId(where, s);
            var state = new GrainState<ShardCheckpoint>();
            await storage.ReadStateAsync(ShardState, id, state);
            if (state.RecordExists) await storage.ClearStateAsync(ShardState, id, state);
        }
    }

    public async Task<JobRecord?> ReadJobAsync(string jobId)
    {
        var state = new GrainState<JobRecord>();
        await storage.ReadStateAsync(JobState, JobId(jobId), state);
        return state.RecordExists ? state.State : null;
    }

    /// <summary>Replaces the job's record (the coordinator is its only writer: the current ETag is read first).</summary>
    public Task WriteJobAsync(string jobId, JobRecord record) => OverwriteAsync(JobState, JobId(jobId), record);

    /// <summary>Stores the final state dict; returns the number of chunks written.</summary>
    public async Task<int> WriteFinalAsync(string jobId, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int chunks = (values.Length + FinalChunk - 1) / FinalChunk;
        for (int c = 0; c < chunks; c++)
        {
            int start = c * FinalChunk;
            var block = FloatBlock.From(values.AsSpan(start, Math.Min(FinalChunk, values.Length - start)));
            await OverwriteAsync(FinalState, FinalId(jobId, c), block);
        }

        return chunks;
    }

    public async Task<float[]> ReadFinalAsync(string jobId, int chunks, long length)
    {
        var values = new float[length];
        for (int c = 0; c < chunks; c++)
        {
            var state = new GrainState<FloatBlock>();
            await storage.ReadStateAsync(FinalState, FinalId(jobId, c), state);
            if (!state.RecordExists || state.State is null)
                throw new InvalidOperationException($"job {jobId}: chunk {c} of its stored final parameters is missing");
            int start = c * FinalChunk;
            state.State.CopyTo(values.AsSpan(start, Math.Min(FinalChunk, values.Length - start)));
        }

        return values;
    }

    private async Task OverwriteAsync<T>(string stateName, GrainId id, T value)
    {
        // The ETag read here can be stale by the time of the write when a coordinator was briefly activated twice
        // (its directory entry lived on a silo that died, so a call re-activated it elsewhere while the old activation
        // was still finishing a write): the record is the coordinator's alone, so the latest write wins on a retry.
        const int attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            var state = new GrainState<T>();
            await storage.ReadStateAsync(stateName, id, state);
            state.State = value;
            try
            {
                await storage.WriteStateAsync(stateName, id, state);
                return;
            }
            catch (InconsistentStateException) when (attempt < attempts)
            {
            }
        }
    }

    private static GrainId ShardId(CheckpointReference where, int shard) =>
        GrainId.Create("autograd-checkpoint", $"{where.JobId}/g{where.Generation}/s{where.Step}/{shard}");

    private static GrainId JobId(string jobId) => GrainId.Create("autograd-job", jobId);

    private static GrainId FinalId(string jobId, int chunk) => GrainId.Create("autograd-final", $"{jobId}/{chunk}");
}
