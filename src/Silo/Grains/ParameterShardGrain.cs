using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Placement;
using Autograd.Cluster.Silo.Training;
using Orleans.Concurrency;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// One contiguous slice of a job's parameters and its optimizer state (ZeRO stage 1), key <c>{jobId}/{shard}</c>.
/// Reentrant so that every worker's <see cref="ReduceAsync"/> can wait, inside the grain, for the others' gradients;
/// the state changes only between awaits, on the grain's single thread.
/// </summary>
[Reentrant]
[SpreadPlacement]
public sealed class ParameterShardGrain : Grain, IParameterShardGrain
{
    private ParameterShardState? _state;

    public Task InitializeAsync(ShardSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        string key = this.GetPrimaryKeyString();
        if (!GrainKeys.TryParseMember(key, out string jobId, out int index) || jobId != setup.JobId || index != setup.Range.Index)
            throw new ArgumentException($"shard {key} cannot hold slice {setup.Range.Index} of job {setup.JobId}");
        if (setup.InitialValues.Count != setup.Range.Count)
            throw new ArgumentException($"shard {key}: {setup.InitialValues.Count} initial values for a slice of {setup.Range.Count}");
        if (setup.WorldSize <= 0) throw new ArgumentException($"shard {key}: world size must be positive, got {setup.WorldSize}");
        Release("re-initialized");

        var values = Tensor.From(setup.InitialValues.ToArray(), [setup.Range.Count]).MoveToOuterScope().RequiresGrad_();
        var optimizer = OptimizerFactory.Create(setup.Optimizer, [values]);
        _state = new ParameterShardState(setup, values, optimizer, ScheduleFactory.Create(setup.LrSchedule, optimizer));
        return Task.CompletedTask;
    }

    public Task<FloatBlock> ReduceAsync(GradientContribution contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        var state = Require();
        if (state.AbortReason is { } reason) throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was aborted: {reason}");
        if (contribution.Step != state.Step)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} is at step {state.Step} but rank {contribution.Rank} sent step {contribution.Step}");
        if ((uint)contribution.Rank >= (uint)state.Pending.Length)
            throw new ArgumentException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} is outside a world of {state.Pending.Length}");
        if (state.Pending[contribution.Rank] is not null)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} sent step {contribution.Step} twice");
        if (contribution.Gradient.Count != state.Setup.Range.Count || contribution.Samples < 0)
            throw new ArgumentException($"shard {this.GetPrimaryKeyString()}: rank {contribution.Rank} sent {contribution.Gradient.Count} values for {contribution.Samples} samples; the slice holds {state.Setup.Range.Count}");

        state.Pending[contribution.Rank] = contribution;
        state.Arrived++;
        var completion = state.Completion;
        if (state.Arrived == state.Pending.Length) Apply(state);
        return completion.Task;
    }

    public Task<FloatBlock> GetParametersAsync() => Task.FromResult(FloatBlock.From(Require().Values.ToArray()));

    public Task<ShardInfo> GetInfoAsync()
    {
        var state = Require();
        return Task.FromResult(new ShardInfo(state.Setup.Range, RuntimeIdentity, state.Step));
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
    /// Averages the contributions in rank order, each weighted by its share of the step's samples (the gradient of
    /// the mean loss over the global batch), applies the optimizer and answers every contributor.
    /// </summary>
    private static void Apply(ParameterShardState state)
    {
        var contributions = state.Pending.Select(c => c!).ToArray();
        long samples = contributions.Sum(c => (long)c.Samples);
        int count = state.Setup.Range.Count;
        var sum = new double[count];
        var slice = new float[count];
        foreach (var c in contributions)
        {
            if (c.Samples == 0) continue;
            double weight = (double)c.Samples / samples;
            c.Gradient.CopyTo(slice);
            for (int i = 0; i < count; i++) sum[i] += weight * slice[i];
        }

        for (int i = 0; i < count; i++) slice[i] = (float)sum[i];
        int epoch = contributions[0].Epoch;
        while (state.ScheduledEpoch < epoch)
        {
            state.Scheduler?.Step();
            state.ScheduledEpoch++;
        }

        if (samples > 0)
        {
            var old = state.Values.Grad;
            state.Values.Grad = Tensor.From(slice, [count]);
            old?.Dispose();
            state.Optimizer.Step();
        }

        var completion = state.Completion;
        Array.Clear(state.Pending);
        state.Arrived = 0;
        state.Step++;
        state.Completion = ParameterShardState.NewCompletion();
        completion.SetResult(FloatBlock.From(state.Values.ToArray()));
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
