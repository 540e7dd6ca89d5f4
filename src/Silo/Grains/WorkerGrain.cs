using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Checkpoints;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Placement;
using Autograd.Cluster.Silo.Training;
using Autograd.Cluster.Silo.Telemetry;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// One data-parallel replica of a job (key <c>{jobId}/{rank}</c>), placed on its own silo. Each step it runs forward
/// and backward on its share of the global batch, sends each shard its gradient slice and loads the updated slices
/// the shards answer with, so every replica holds the same parameters after every step.
/// </summary>
[SpreadPlacement]
public sealed class WorkerGrain(ComputeDevice device, DatasetProvider datasets, ModelRegistry models) : Grain, IWorkerGrain
{
    /// <summary>Test samples evaluated per forward pass.</summary>
    private const int EvaluationBatch = 1000;

    private WorkerState? _state;

    public async Task<WorkerInfo> InitializeAsync(WorkerSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        string key = this.GetPrimaryKeyString();
        if (!GrainKeys.TryParseMember(key, out string jobId, out _) || jobId != setup.JobId)
            throw new ArgumentException($"worker {key} cannot join job {setup.JobId}");
        int rank = setup.Rank;
        if (rank < 0 || setup.WorldSize <= rank) throw new ArgumentException($"worker {key}: rank {rank} is outside a world of {setup.WorldSize}");

        // A survivor of a recovery set up again for the same job keeps its data; the model is rebuilt for its new rank.
        var spec = setup.Spec;
        await datasets.PrepareAsync(spec.Dataset, GrainFactory);
        var data = _state is { } previous && previous.Setup.JobId == setup.JobId ? previous.Data : datasets.Load(spec.Dataset, spec.Loss);
        Release();
        var model = ModelFactory.Build(spec.Model, new Generator(DropoutSeed(spec.Seed, rank)), models);
        if (device.Device != Device.Cpu) model.To(device.Device);
        if (setup.Buffers is { } buffers) ModelBuffers.Load(model, buffers.ToArray());
        var shards = setup.Shards.Select(r => MemberKeys.Shard(GrainFactory, jobId, setup.ShardGeneration, r.Index)).ToArray();
        var state = new WorkerState(setup, data, model, LossFunction.Create(spec.Loss, data.Targets), device.Device, shards) { NextStep = setup.StartStep };
        _state = state;

        // The parameters come from the shards, which hold the coordinator's seeded values or a checkpoint's: every replica starts equal.
        var slices = await Task.WhenAll(shards.Select(s => s.GetParametersAsync())).WaitAsync(state.Cancellation.Token);
        LoadSlices(state, slices);
        return Info(state);
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
        var forwardBackward = TrainingTelemetry.StartForwardBackward(state.Setup.JobId, command.Step, state.Setup.Rank);
        var (gradient, lossSum, correct) = indices.Length > 0
            ? ForwardBackward(state, indices)
            : (state.Setup.Shards.Select(r => FloatBlock.Wrap(new float[r.Count])).ToArray(), 0.0, 0);
        bool nonFinite = !double.IsFinite(lossSum) || !gradient.All(b => AllFinite(b.Span));
        double computeMs = clock.Elapsed.TotalMilliseconds;
        forwardBackward?.Dispose();

        var exchange = GradientExchange.ReduceAsync(state.Shards, gradient, command.Step, command.Epoch, state.Setup.Rank, indices.Length, nonFinite);
        // AbortAsync cancels this wait: a shard that died with its silo may never answer, and a recovery must not queue behind it.
        var chunks = await exchange.WaitAsync(state.Cancellation.Token);
        // Every shard answered: no block of this step is in flight any more, so its arrays can be reused (never on failure).
        state.Gradients.Release();
        FlatParameters.Load(state.Model, chunks, state.ChunkRanges);
        state.NextStep++;
        return new WorkerStepResult(state.Setup.Rank, command.Step, indices.Length, lossSum, correct, computeMs, clock.Elapsed.TotalMilliseconds - computeMs, nonFinite);
    }

    public Task<EvaluationResult> EvaluateAsync()
    {
        var state = _state ?? throw new InvalidOperationException($"worker {this.GetPrimaryKeyString()} has not been initialized");
        var spec = state.Setup.Spec;
        state.Test ??= datasets.LoadTest(spec.Dataset, spec.Loss) is { } test ? new TestSplit(test) : TestSplit.None;
        if (state.Test.Data is not { } data) return Task.FromResult(new EvaluationResult(state.Setup.Rank, 0, 0, 0));

        int rank = state.Setup.Rank, world = state.Setup.WorldSize;
        var mine = Enumerable.Range(0, data.Count).Where(i => i % world == rank).ToArray();
        double lossSum = 0;
        int correct = 0;
        state.Model.Eval();
        try
        {
            using var noGrad = Tensor.NoGrad();
            for (int start = 0; start < mine.Length; start += EvaluationBatch)
            {
                using var scope = new TensorScope();
                var indices = mine.AsSpan(start, Math.Min(EvaluationBatch, mine.Length - start)).ToArray();
                var batch = data.Dataset.GetBatch(indices);
                var input = batch[0].To(state.Device);
                var target = batch[1].To(state.Device);
                var output = state.Model.Forward(input);
                lossSum += state.Loss.Compute(output, target).ItemDouble() * indices.Length;
                correct += state.Loss.CountCorrect(output, target);
            }
        }
        finally
        {
            state.Model.Train();
        }

        return Task.FromResult(new EvaluationResult(rank, mine.Length, lossSum, correct));
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

    public Task AbortAsync(string reason)
    {
        _state?.Cancellation.Cancel();
        return Task.CompletedTask;
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

    /// <summary>The mean loss over the worker's samples, its gradient (one block per shard), the summed loss and the correct count.</summary>
    private static (FloatBlock[] Gradient, double LossSum, int Correct) ForwardBackward(WorkerState state, int[] indices)
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
        return (state.Gradients.Fill(state.Model), lossSum, correct);
    }

    private static void LoadSlices(WorkerState state, FloatBlock[] slices) => FlatParameters.Load(state.Model, slices, state.Setup.Shards);

    private WorkerInfo Info(WorkerState state) => new(state.Setup.Rank, RuntimeIdentity, state.Device.ToString(), state.ParameterCount);

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }

    private void Release()
    {
        _state?.Cancellation.Cancel();
        ModelDisposal.Release(_state?.Model);
        _state = null;
    }

    /// <summary>Each rank's dropout masks come from its own stream, derived from the job's seed.</summary>
    private static long DropoutSeed(long seed, int rank) => unchecked((seed * 1_000_003) + rank + 1);
}
