using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Benchmarks;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Placement;
using Autograd.Cluster.Silo.Training;

namespace Autograd.Cluster.Silo.Benchmarks;

/// <summary>
/// A contributor of <c>bench allreduce</c>: the gradient exchange of <see cref="Grains.WorkerGrain"/> without the model
/// (over the silos' data plane, as a worker's, unless <c>Autograd:DataPlane=false</c>), on one flat vector as
/// torch.distributed's all_reduce: views of it go out, and remote shards' answers are read straight into the result.
/// Its flat gradient holds rank + 1 everywhere and the shards run SGD with lr = 1 from zeros, so after step t every
/// parameter is -(t + 1) x (N + 1) / 2: each iteration checks that, so a fast wrong average cannot pass as a result.
/// </summary>
[SpreadPlacement]
public sealed class AllReduceProbeGrain(DataPlaneClient dataPlane) : Grain, IAllReduceProbeGrain
{
    private AllReduceProbeSetup? _setup;
    private IParameterShardGrain[] _shards = [];
    private IParameterShardGrain? _barrier;
    private float[] _gradient = [];
    private float[] _parameters = [];
    private FloatBlock[] _slices = [];
    private ShardRange[] _chunkRanges = [];

    public Task<string> PrepareAsync(AllReduceProbeSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.Floats <= 0) throw new ArgumentException($"probe: floats must be positive, got {setup.Floats}");
        if ((uint)setup.Rank >= (uint)setup.WorldSize) throw new ArgumentException($"probe: rank {setup.Rank} is outside a world of {setup.WorldSize}");
        if (setup.Shards.Sum(s => (long)s.Count) != setup.Floats)
            throw new ArgumentException($"probe: the shards cover {setup.Shards.Sum(s => (long)s.Count)} of {setup.Floats} floats");
        _setup = setup;
        _shards = setup.Shards.Select(r => GrainFactory.GetGrain<IParameterShardGrain>(GrainKeys.Member(setup.RunId, r.Index))).ToArray();
        _barrier = setup.BarrierShard is { } barrier ? GrainFactory.GetGrain<IParameterShardGrain>(barrier) : null;
        _gradient = new float[setup.Floats];
        Array.Fill(_gradient, setup.Rank + 1f);
        _parameters = new float[setup.Floats];
        _slices = setup.Shards.Select(r => FloatBlock.Wrap(_gradient, (int)r.Offset, r.Count)).ToArray();
        _chunkRanges = GradientExchange.ChunkRanges(setup.Shards);
        return Task.FromResult(RuntimeIdentity);
    }

    public async Task<AllReduceTiming> IterateAsync(long step)
    {
        var setup = _setup ?? throw new InvalidOperationException($"probe {this.GetPrimaryKeyString()} has not been prepared");
        // All contributors leave the barrier together (within a grain call's latency), so no one's time includes
        // waiting for another that was asked to start later.
        if (_barrier is { } barrier)
            await barrier.ReduceAsync(new GradientContribution(step, 0, setup.Rank, 1, FloatBlock.From([0f]), false, 0));

        var pausedBefore = GC.GetTotalPauseDuration();
        int gen2Before = GC.CollectionCount(2);
        long started = Stopwatch.GetTimestamp();
        // As torch.distributed's all_reduce takes one flat tensor: the shards' slices go out as views of the flat
        // gradient, and the data plane reads the averaged slices of remote shards straight into the flat result.
        var calls = GradientExchange.ReduceAsync(dataPlane, _shards, _slices, step, 0, setup.Rank, 1, nonFinite: false, answers: _parameters);
        long sent = Stopwatch.GetTimestamp();
        var chunks = await calls;
        long answered = Stopwatch.GetTimestamp();
        // Only the slices of shards on this silo (views of the shard's answer) are copied in.
        for (int c = 0; c < chunks.Length; c++)
        {
            var destination = _parameters.AsSpan((int)_chunkRanges[c].Offset, _chunkRanges[c].Count);
            if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(chunks[c].Span), ref MemoryMarshal.GetReference(destination))) chunks[c].CopyTo(destination);
        }

        long loaded = Stopwatch.GetTimestamp();
        Check(setup, step);
        return new AllReduceTiming(
            setup.Rank,
            step,
            Stopwatch.GetElapsedTime(started, loaded).TotalMilliseconds,
            Stopwatch.GetElapsedTime(started, sent).TotalMilliseconds,
            Stopwatch.GetElapsedTime(sent, answered).TotalMilliseconds,
            Stopwatch.GetElapsedTime(answered, loaded).TotalMilliseconds,
            (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds,
            GC.CollectionCount(2) - gen2Before,
            dataPlane.RemoteShards(_shards));
    }

    public Task ReleaseAsync()
    {
        _setup = null;
        _shards = [];
        _barrier = null;
        _gradient = [];
        _parameters = [];
        _slices = [];
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private void Check(AllReduceProbeSetup setup, long step)
    {
        float expected = -(step + 1) * (setup.WorldSize + 1) / 2f;
        foreach (var range in setup.Shards)
        {
            foreach (long i in (long[])[range.Offset, range.Offset + (range.Count / 2), range.Offset + range.Count - 1])
            {
                float actual = _parameters[i];
                if (MathF.Abs(actual - expected) > 1e-4f * MathF.Max(1f, MathF.Abs(expected)))
                    throw new InvalidOperationException($"probe {this.GetPrimaryKeyString()}: element {i} is {actual} after step {step}, expected {expected}");
            }
        }
    }
}
