using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Placement;
using Autograd.Cluster.Silo.Training;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// One data-parallel replica of a job (key <c>{jobId}/{rank}</c>), placed on its own silo. Each step it runs forward
/// and backward on its share of the global batch, sends each shard its gradient slice and loads the updated slices
/// the shards answer with, so every replica holds the same parameters after every step.
/// </summary>
[SpreadPlacement]
public sealed class WorkerGrain(ComputeDevice device, DatasetProvider datasets) : Grain, IWorkerGrain
{
    private WorkerState? _state;

    public async Task<WorkerInfo> InitializeAsync(WorkerSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        string key = this.GetPrimaryKeyString();
        if (!GrainKeys.TryParseMember(key, out string jobId, out int rank) || jobId != setup.JobId || rank != setup.Rank)
            throw new ArgumentException($"worker {key} cannot join job {setup.JobId} as rank {setup.Rank}");
        if (setup.WorldSize <= rank) throw new ArgumentException($"worker {key}: rank {rank} is outside a world of {setup.WorldSize}");
        Release();

        var spec = setup.Spec;
        var data = datasets.Load(spec.Dataset, spec.Loss);
        var model = ModelFactory.Build(spec.Model, new Generator(DropoutSeed(spec.Seed, rank)));
        if (device.Device != Device.Cpu) model.To(device.Device);
        var shards = setup.Shards.Select(r => GrainFactory.GetGrain<IParameterShardGrain>(GrainKeys.Member(jobId, r.Index))).ToArray();
        _state = new WorkerState(setup, data, model, LossFunction.Create(spec.Loss, data.Targets), device.Device, shards);

        // The initial parameters come from the shards, which hold the coordinator's seeded values: every replica starts equal.
        var slices = await Task.WhenAll(shards.Select(s => s.GetParametersAsync()));
        LoadSlices(_state, slices);
        return Info(_state);
    }

    public async Task<WorkerStepResult> RunStepAsync(StepCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var state = _state ?? throw new InvalidOperationException($"worker {this.GetPrimaryKeyString()} has not been initialized");
        if (command.Step != state.NextStep)
            throw new InvalidOperationException($"worker {state.Setup.Rank} expected step {state.NextStep} but was asked for step {command.Step}");

        var clock = Stopwatch.StartNew();
        var spec = state.Setup.Spec;
        var indices = BatchPartition.RankIndices(state.OrderFor(command.Epoch), command.BatchInEpoch, spec.BatchSize, state.Setup.Rank, state.Setup.WorldSize);
        if (state.Data.ReadDelay > TimeSpan.Zero) await Task.Delay(state.Data.ReadDelay);
        var (gradient, lossSum, correct) = indices.Length > 0 ? ForwardBackward(state, indices) : (new float[state.ParameterCount], 0.0, 0);
        double computeMs = clock.Elapsed.TotalMilliseconds;

        var contributions = state.Setup.Shards.Select((r, s) => state.Shards[s].ReduceAsync(new GradientContribution(
            command.Step, command.Epoch, state.Setup.Rank, indices.Length, FloatBlock.From(gradient.AsSpan((int)r.Offset, r.Count)))));
        var slices = await Task.WhenAll(contributions);
        LoadSlices(state, slices);
        state.NextStep++;
        return new WorkerStepResult(state.Setup.Rank, command.Step, indices.Length, lossSum, correct, computeMs, clock.Elapsed.TotalMilliseconds - computeMs);
    }

    public Task<FloatBlock> ReadBuffersAsync()
    {
        var state = _state ?? throw new InvalidOperationException($"worker {this.GetPrimaryKeyString()} has not been initialized");
        return Task.FromResult(FloatBlock.From(FlatParameters.BufferValues(state.Model)));
    }

    public Task<WorkerInfo> GetInfoAsync()
    {
        var state = _state ?? throw new InvalidOperationException($"worker {this.GetPrimaryKeyString()} has not been initialized");
        return Task.FromResult(Info(state));
    }

    public Task ReleaseAsync()
    {
        Release();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Release();
        return Task.CompletedTask;
    }

    /// <summary>The mean loss over the worker's samples, its gradient (flat), the summed loss and the correct count.</summary>
    private static (float[] Gradient, double LossSum, int Correct) ForwardBackward(WorkerState state, int[] indices)
    {
        using var scope = new TensorScope();
        var batch = state.Data.Dataset.GetBatch(indices);
        var input = batch[0].To(state.Device);
        var target = batch[1].To(state.Device);
        ModelDisposal.ClearGradients(state.Model);
        var output = state.Model.Forward(input);
        var loss = state.Loss.Compute(output, target);
        loss.Backward();
        double lossSum = loss.ItemDouble() * indices.Length;
        int correct = state.Loss.CountCorrect(output, target);
        return (FlatParameters.Gradients(state.Model), lossSum, correct);
    }

    private static void LoadSlices(WorkerState state, FloatBlock[] slices)
    {
        var flat = new float[state.ParameterCount];
        for (int s = 0; s < slices.Length; s++)
        {
            var range = state.Setup.Shards[s];
            slices[s].CopyTo(flat.AsSpan((int)range.Offset, range.Count));
        }

        FlatParameters.Load(state.Model, flat);
    }

    private WorkerInfo Info(WorkerState state) => new(state.Setup.Rank, RuntimeIdentity, state.Device.ToString(), state.ParameterCount);

    private void Release()
    {
        ModelDisposal.Release(_state?.Model);
        _state = null;
    }

    /// <summary>Each rank's dropout masks come from its own stream, derived from the job's seed.</summary>
    private static long DropoutSeed(long seed, int rank) => unchecked((seed * 1_000_003) + rank + 1);
}
