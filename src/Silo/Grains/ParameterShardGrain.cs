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
/// Reentrant so that every worker's <see cref="ReduceAsync"/> can wait, inside the grain, for the others' gradients;
/// the state changes only between awaits, on the grain's single thread.
/// </summary>
[Reentrant]
[SpreadPlacement]
public sealed class ParameterShardGrain(CheckpointStore checkpoints, DataPlaneServer dataPlane) : Grain, IParameterShardGrain
{
    private ParameterShardState? _state;

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

        var values = Tensor.From(initial, [setup.Range.Count]).MoveToOuterScope().RequiresGrad_();
        var optimizer = OptimizerFactory.Create(setup.Optimizer, [values]);
        if (optimizerState is { } saved) LoadOptimizerState(optimizer, saved.Names, saved.Values, saved.Step, setup.Range.Count);
        var scheduler = ScheduleFactory.Create(setup.LrSchedule, optimizer);
        _state = new ParameterShardState(setup, values, optimizer, scheduler);
        // Restored at step S, a per-step schedule has stepped S times (an epoch schedule catches up in Apply).
        if (_state.SchedulePerStep)
            for (long s = 0; s < setup.StartStep; s++) scheduler?.Step();
    }

    public async Task CheckpointAsync(long step)
    {
        var state = Require();
        if (state.AbortReason is { } reason) throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was aborted: {reason}");
        if (state.Step != step || state.Arrived > 0)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} cannot checkpoint step {step}: it is at step {state.Step} with {state.Arrived} contribution(s) gathered");

        // Copied before the first await: a later step may change the live tensors while the record is written.
        var (names, stateValues, optimizerStep) = OptimizerStateOf(state.Optimizer);
        var record = new ShardCheckpoint
        {
            Step = step,
            OptimizerStep = optimizerStep,
            StateNames = names,
            Entries = CheckpointSlices.Cut(state.Setup.Parameters, state.Setup.Range, state.Values.ToArray(), stateValues),
        };
        await checkpoints.WriteShardAsync(new CheckpointReference(state.Setup.JobId, state.Setup.Generation, step, 0), state.Setup.Range.Index, record);
    }

    public async Task<FloatBlock> ReduceAsync(GradientContribution contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        var state = Require();
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
        if (pending[contribution.Rank] is not null)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} sent step {contribution.Step} (offset {contribution.Offset}) twice");
        if (state.Pending.Select(p => p[contribution.Rank]).FirstOrDefault(c => c is not null) is { } earlier && earlier.Samples != contribution.Samples)
            throw new ArgumentException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} sent {earlier.Samples} and {contribution.Samples} samples for step {contribution.Step}");

        pending[contribution.Rank] = contribution;
        state.Arrived++;
        var completion = state.Completion;
        // Each chunk is averaged as soon as every rank's copy is in, while later chunks are still on the wire.
        if (++state.ChunkArrived[chunk] == pending.Length) AverageChunk(state, chunk);
        if (state.ChunksAveraged == state.Chunks) Apply(state);
        var values = await completion.Task;
        return FloatBlock.Wrap(values, contribution.Offset, contribution.Gradient.Count);
    }

    public Task<FloatBlock> GetParametersAsync() => Task.FromResult(FloatBlock.Wrap(Require().Values.ToArray()));

    public Task<ShardInfo> GetInfoAsync()
    {
        var state = Require();
        return Task.FromResult(new ShardInfo(state.Setup.Range, RuntimeIdentity, state.Step, dataPlane.Endpoint));
    }

    public Task AbortAsync(string reason)
    {
        if (_state is { } state && state.AbortReason is null)
        {
            state.AbortReason = reason;
            state.Completion.TrySetException(new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was aborted: {reason}"));
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
    /// Averages one chunk's contributions in rank order, each weighted by its share of the step's samples (the gradient
    /// of the mean loss over the global batch), into the shard's averaging buffer.
    /// </summary>
    private static void AverageChunk(ParameterShardState state, int chunk)
    {
        using var span = TrainingTelemetry.StartGradientAveraging(state.Setup.JobId, state.Step, state.Setup.Range.Index);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        state.Samples = state.Averager.AverageChunk(state.Pending[chunk], chunk * GradientChunks.Floats);
        state.AveragingTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
        state.ChunksAveraged++;
    }

    /// <summary>Applies the optimizer to the averaged step (every chunk averaged) and answers every contributor.</summary>
    private static void Apply(ParameterShardState state)
    {
        var average = state.Averager.Buffer;
        long samples = state.Samples;
        TrainingTelemetry.GradientsAveraged(state.Setup.JobId, state.Setup.Range.Index, state.AveragingTime, average);
        int count = state.Setup.Range.Count;
        int epoch = state.Pending[0][0]!.Epoch;
        // An epoch schedule steps when the first step of a new epoch arrives (so a shard restored mid-job catches up).
        while (!state.SchedulePerStep && state.ScheduledEpoch < epoch)
        {
            state.Scheduler?.Step();
            state.ScheduledEpoch++;
        }

        // A NaN or infinite contribution drops the whole step's update, on every shard alike (each sees the flag).
        bool skip = state.Pending.Any(chunk => chunk.Any(c => c!.NonFinite));
        if (skip) state.Skipped++;
        if (samples > 0 && !skip)
        {
            // The gradient tensor is made once and refilled in place each step.
            (state.Values.Grad ??= Tensor.Zeros(count)).Copy_(average);
            using (TrainingTelemetry.StartOptimizerUpdate(state.Setup.JobId, state.Step, state.Setup.Range.Index))
                state.Optimizer.Step();
        }

        // A per-step schedule steps after every step, skipped ones included, as a per-batch loop calls scheduler.step().
        if (state.SchedulePerStep) state.Scheduler?.Step();

        var completion = state.Completion;
        foreach (var chunk in state.Pending) Array.Clear(chunk);
        Array.Clear(state.ChunkArrived);
        state.Arrived = 0;
        state.ChunksAveraged = 0;
        state.AveragingTime = TimeSpan.Zero;
        state.Step++;
        state.Completion = ParameterShardState.NewCompletion();
        // Each contributor gets a view of its chunk of this array, which the shard writes again two steps later: by then
        // every contributor has sent the next step, so it has received (and copied out) all of this one.
        var answer = state.Answers[state.Step % 2] ??= new float[count];
        state.Values.CopyTo(answer);
        completion.SetResult(answer);
    }

    /// <summary>The optimizer's state for the slice: state tensor names, their values and its step count.</summary>
    private static (string[] Names, float[][] Values, long Step) OptimizerStateOf(Optimizer optimizer)
    {
        var dict = optimizer.StateDict();
        if (!dict.State.TryGetValue(0, out var entries)) return ([], [], 0);
        var names = entries.Keys.Where(k => k != "step").ToArray();
        long step = entries.TryGetValue("step", out var s) ? (long)Math.Round(s.ItemDouble()) : 0;
        var values = names.Select(n => entries[n].ToArray()).ToArray();
        // Only "step" is a new tensor; the others are views of the live state, which the optimizer still owns.
        if (entries.TryGetValue("step", out var scalar)) scalar.Dispose();
        return (names, values, step);
    }

    /// <summary>Loads restored optimizer state into the fresh optimizer over the slice (hyper-parameters stay the spec's).</summary>
    private static void LoadOptimizerState(Optimizer optimizer, string[] names, float[][] values, long step, int count)
    {
        if (names.Length == 0 && step == 0) return;
        var entries = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            if (step > 0) entries["step"] = Tensor.Scalar(step, DType.Int64);
            for (int i = 0; i < names.Length; i++) entries[names[i]] = Tensor.From(values[i], [count]);
            var groups = optimizer.StateDict().ParamGroups;
            optimizer.LoadStateDict(new OptimizerStateDict(new Dictionary<int, IReadOnlyDictionary<string, Tensor>> { [0] = entries }, groups));
        }
        finally
        {
            foreach (var t in entries.Values) t.Dispose();
        }
    }

    private ParameterShardState Require() =>
        _state ?? throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} has not been initialized");

    private void Release(string why)
    {
        if (_state is not { } state) return;
        state.Completion.TrySetException(new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was {why}"));
        foreach (var s in state.Optimizer.State.Values)
            foreach (var t in s.Tensors.Values) t.Dispose();
        state.Values.Grad?.Dispose();
        state.Values.Dispose();
        _state = null;
    }
}
