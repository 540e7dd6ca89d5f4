using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Checkpoints;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Placement;
using Autograd.Cluster.Silo.Training;
using Autograd.Optim;
using Orleans.Concurrency;
using Autograd.Cluster.Silo.Telemetry;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// One contiguous slice of a job's parameters and its optimizer state (ZeRO stage 1), key <c>{jobId}/{shard}</c>.
/// Reentrant so that every worker's <see cref="ReduceAsync"/> can wait, inside the grain, for the others' gradients.
/// The chunks this silo's data-plane connections read and those of this silo's workers call <see cref="ReduceAsync"/>
/// on the activation directly, on their own threads (<see cref="LocalShards"/>), beside the grain's own turns: every
/// read or change of the state holds the shard's lock, and none of them awaits while holding it.
/// </summary>
[Reentrant]
[SpreadPlacement]
public sealed class ParameterShardGrain(CheckpointStore checkpoints, DataPlaneServer dataPlane) : Grain, IParameterShardGrain
{
    /// <summary>How often the shard renews its lease while chunks come in (see <see cref="KeepAliveAsync"/>).</summary>
    private static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private ParameterShardState? _state;
    private IGrainTimer? _keepAlive;
    private string? _key;

    // Contributions since the keep-alive last looked.
    private long _contributions;

    public async Task InitializeAsync(ShardSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        string key = this.GetPrimaryKeyString();
        if (!GrainKeys.TryParseMember(key, out string scope, out int index) || scope != MemberKeys.ShardScope(setup.JobId, setup.Generation) || index != setup.Range.Index)
            throw new ArgumentException($"shard {key} cannot hold slice {setup.Range.Index} of job {setup.JobId} (generation {setup.Generation})");
        if (setup.Restore is null && setup.InitialValues.Count != setup.Range.Count)
            throw new ArgumentException($"shard {key}: {setup.InitialValues.Count} initial values for a slice of {setup.Range.Count}");
        if (setup.WorldSize <= 0) throw new ArgumentException($"shard {key}: world size must be positive, got {setup.WorldSize}");
        Release("re-initialized");

        float[] initial;
        (string[] Names, float[][] Values, long Step)? optimizerState = null;
        if (setup.Restore is { } restore)
        {
            var records = new ShardCheckpoint[restore.Shards];
            for (int s = 0; s < records.Length; s++) records[s] = await checkpoints.ReadShardAsync(restore, s);
            var slice = CheckpointSlices.Assemble(setup.Parameters, setup.Range, records);
            initial = slice.Values;
            optimizerState = (slice.StateNames, slice.State, slice.OptimizerStep);
        }
        else
        {
            initial = setup.InitialValues.ToArray();
        }

        var values = new ChunkedSlice(initial);
        var optimizer = OptimizerFactory.Create(setup.Optimizer, values.Parameters);
        if (optimizerState is { } saved) values.LoadOptimizerState(optimizer, saved.Names, saved.Values, saved.Step);
        var scheduler = ScheduleFactory.Create(setup.LrSchedule, optimizer);
        var state = new ParameterShardState(setup, values, optimizer, scheduler);
        // Restored at step S, a per-step schedule has stepped S times (an epoch schedule catches up in Apply).
        if (state.SchedulePerStep)
            for (long s = 0; s < setup.StartStep; s++) scheduler?.Step();
        lock (_lock) _state = state;
        dataPlane.Shards.Add(key, this);
        _keepAlive ??= this.RegisterGrainTimer(KeepAliveAsync, new GrainTimerCreationOptions(KeepAlivePeriod, KeepAlivePeriod) { Interleave = true });
    }

    public async Task CheckpointAsync(long step)
    {
        ParameterShardState state;
        ShardCheckpoint record;
        lock (_lock)
        {
            state = Require();
            if (state.AbortReason is { } reason) throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was aborted: {reason}");
            if (state.Step != step || state.Arrived > 0)
                throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} cannot checkpoint step {step}: it is at step {state.Step} with {state.Arrived} contribution(s) gathered");

            // Copied before the write: a later step may change the live tensors while the record is written.
            var (names, stateValues, optimizerStep) = state.Values.OptimizerState(state.Optimizer);
            record = new ShardCheckpoint
            {
                Step = step,
                OptimizerStep = optimizerStep,
                StateNames = names,
                Entries = CheckpointSlices.Cut(state.Setup.Parameters, state.Setup.Range, state.Values.ToArray(), stateValues),
            };
        }

        await checkpoints.WriteShardAsync(new CheckpointReference(state.Setup.JobId, state.Setup.Generation, step, 0), state.Setup.Range.Index, record);
    }

    public async Task<FloatBlock> ReduceAsync(GradientContribution contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        Task<float[]> answer;
        lock (_lock) answer = Contribute(contribution);
        return FloatBlock.Wrap(await answer);
    }

    /// <summary>
    /// Checks and gathers one chunk of a rank's gradient, applying the chunk when it was the last rank's; answers the
    /// task that completes with the chunk's updated values. Called holding the lock.
    /// </summary>
    private Task<float[]> Contribute(GradientContribution contribution)
    {
        var state = Require();
        _contributions++;
        if (state.AbortReason is { } reason) throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was aborted: {reason}");
        if (contribution.Step != state.Step)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} is at step {state.Step} but rank {contribution.Rank} sent step {contribution.Step}");
        if ((uint)contribution.Rank >= (uint)state.Setup.WorldSize)
            throw new ArgumentException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} is outside a world of {state.Setup.WorldSize}");
        int count = state.Setup.Range.Count;
        int chunk = contribution.Offset / GradientChunks.Floats;
        if (contribution.Offset < 0 || contribution.Offset % GradientChunks.Floats != 0 || chunk >= state.Chunks
            || contribution.Gradient.Count != GradientChunks.Range(count, chunk).Count || contribution.Samples < 0)
            throw new ArgumentException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} sent {contribution.Gradient.Count} values at offset {contribution.Offset} for {contribution.Samples} samples; the slice holds {count}, sent in chunks of {GradientChunks.Floats}");
        var pending = state.Pending[chunk];
        // A chunk every rank sent has been applied (and its contributions let go) until the step ends.
        if (pending[contribution.Rank] is not null || state.ChunkArrived[chunk] == pending.Length)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} sent step {contribution.Step} (offset {contribution.Offset}) twice");
        if (state.RankSamples[contribution.Rank] is { } earlier && earlier != contribution.Samples)
            throw new ArgumentException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} sent {earlier} and {contribution.Samples} samples for step {contribution.Step}");

        state.RankSamples[contribution.Rank] = contribution.Samples;
        pending[contribution.Rank] = contribution;
        var completion = state.Completions[chunk];
        // Each chunk is averaged, updated and answered as soon as every rank's copy is in, while later chunks are still
        // on the wire: the answers of a step flow back while its gradients still come in.
        if (++state.ChunkArrived[chunk] == pending.Length) Apply(state, chunk, dataPlane.Answers, Key);
        return completion.Task;
    }

    public Task<FloatBlock> GetParametersAsync()
    {
        lock (_lock) return Task.FromResult(FloatBlock.Wrap(Require().Values.ToArray()));
    }

    public Task<ShardInfo> GetInfoAsync()
    {
        lock (_lock)
        {
            var state = Require();
            return Task.FromResult(new ShardInfo(state.Setup.Range, RuntimeIdentity, state.Step, dataPlane.Endpoint, dataPlane.LocalEndpoint));
        }
    }

    public Task AbortAsync(string reason)
    {
        lock (_lock)
        {
            if (_state is { } state && state.AbortReason is null)
            {
                state.AbortReason = reason;
                foreach (var completion in state.Completions) completion.TrySetException(new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was aborted: {reason}"));
            }
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync()
    {
        Release("released");
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Release("deactivated");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Applies chunk <paramref name="chunk"/> of the step: averages its contributions in rank order, each weighted by its
    /// share of the step's samples (the gradient of the mean loss over the global batch), steps the optimizer on that
    /// chunk alone and answers its contributors. The last chunk of the step ends it.
    /// </summary>
    private static void Apply(ParameterShardState state, int chunk, OwedAnswers answers, string key)
    {
        var contributions = state.Pending[chunk];
        // Averaged straight into the chunk's gradient, which the optimizer reads in place.
        using (TrainingTelemetry.StartGradientAveraging(state.Setup.JobId, state.Step, state.Setup.Range.Index))
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            state.Samples = GradientAverager.WeightedMean(contributions, state.Values.Gradient(chunk));
            state.AveragingTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }

        if (state.ChunksApplied == 0)
        {
            // An epoch schedule steps when the first step of a new epoch arrives (so a shard restored mid-job catches
            // up), before any chunk of that step is updated.
            int epoch = contributions[0]!.Epoch;
            while (!state.SchedulePerStep && state.ScheduledEpoch < epoch)
            {
                state.Scheduler?.Step();
                state.ScheduledEpoch++;
            }
        }

        // A NaN or infinite contribution drops the step's update. The flag is the rank's, over its whole gradient, and
        // rides on every chunk it sends: every chunk of every shard drops it alike.
        bool skip = contributions.Any(c => c!.NonFinite);
        state.StepSkipped |= skip;
        if (state.Samples > 0 && !skip)
        {
            using (TrainingTelemetry.StartOptimizerUpdate(state.Setup.JobId, state.Step, state.Setup.Range.Index))
                state.Values.Step(state.Optimizer, chunk);
        }

        // Every contributor gets a view of the chunk's live values, no copy: the chunk changes again only at its next
        // step, which needs every contributor's next gradient, which each sends only once it has this answer whole.
        var completion = state.Completions[chunk];
        state.Completions[chunk] = ParameterShardState.NewCompletion();
        // Contributors on other silos get their answer written now, before this silo's thread goes on to anything else.
        var values = state.Values.Values(chunk);
        foreach (var c in contributions) answers.TrySend(key, c!.Step, c.Rank, c.Offset, values);
        Array.Clear(contributions);
        if (++state.ChunksApplied == state.Chunks) EndStep(state);
        completion.SetResult(values);
    }

    /// <summary>Every chunk of the step is applied: the per-step schedule steps and the shard moves to the next step.</summary>
    private static void EndStep(ParameterShardState state)
    {
        TrainingTelemetry.GradientsAveraged(state.Setup.JobId, state.Setup.Range.Index, state.AveragingTime, state.Values.GradientNorm);
        if (state.StepSkipped) state.Skipped++;
        // A per-step schedule steps after every step, skipped ones included, as a per-batch loop calls scheduler.step().
        if (state.SchedulePerStep) state.Scheduler?.Step();
        Array.Clear(state.ChunkArrived);
        Array.Clear(state.RankSamples);
        state.ChunksApplied = 0;
        state.StepSkipped = false;
        state.AveragingTime = TimeSpan.Zero;
        state.Step++;
    }

    /// <summary>
    /// Keeps the activation from being collected as idle while chunks come in: those that come straight from the data
    /// plane are no grain calls, which alone count as use, and a shard on a silo without a worker of its job gets no
    /// other. Idle (no chunk for a few periods), it is collected as any grain.
    /// </summary>
    private Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        long contributions;
        lock (_lock)
        {
            contributions = _contributions;
            _contributions = 0;
        }

        if (contributions > 0) DelayDeactivation(3 * KeepAlivePeriod);
        return Task.CompletedTask;
    }

    // The grain key, parsed once: every applied chunk names it to the answers owed.
    private string Key => _key ??= this.GetPrimaryKeyString();

    private ParameterShardState Require() =>
        _state ?? throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} has not been initialized");

    private void Release(string why)
    {
        dataPlane.Shards.Remove(this.GetPrimaryKeyString(), this);
        lock (_lock)
        {
            if (_state is not { } state) return;
            foreach (var completion in state.Completions) completion.TrySetException(new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was {why}"));
            foreach (var s in state.Optimizer.State.Values)
                foreach (var t in s.Tensors.Values) t.Dispose();
            state.Values.Dispose();
            _state = null;
        }
    }
}
