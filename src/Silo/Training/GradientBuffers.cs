using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// A worker's gradient arrays, one per shard, reused from step to step instead of allocating (and page-faulting) a
/// fresh large array per shard every step. A <see cref="FloatBlock"/> is immutable while it is in flight: a shard in
/// the same silo holds the block itself until it applies the step, and a remote shard's message is serialized from it.
/// Both are over once every shard has answered the step, so the worker calls <see cref="Release"/> only then; until it
/// does, <see cref="Fill(Module)"/> hands out fresh arrays (after a failed step the old ones are simply dropped).
/// </summary>
public sealed class GradientBuffers
{
    private readonly ShardRange[] _shards;
    private float[][]? _free;
    private float[][]? _inFlight;

    /// <summary>Buffers for <paramref name="shards"/>, which cover the flat vector in order.</summary>
    public GradientBuffers(IReadOnlyList<ShardRange> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        _shards = shards.ToArray();
    }

    /// <summary>The model's gradients as one block per shard (see <see cref="FlatParameters.GradientsInto"/>).</summary>
    public FloatBlock[] Fill(Module model)
    {
        var slices = Take();
        FlatParameters.GradientsInto(model, _shards, slices);
        return Hand(slices);
    }

    /// <summary>A flat vector's values (all shards' elements, in order) as one block per shard.</summary>
    /// <exception cref="ArgumentException">The vector's length differs from the shards' total.</exception>
    public FloatBlock[] Fill(ReadOnlySpan<float> flat)
    {
        long total = _shards.Sum(r => (long)r.Count);
        if (flat.Length != total) throw new ArgumentException($"GradientBuffers: {flat.Length} values for shards covering {total}", nameof(flat));
        var slices = Take();
        for (int s = 0; s < _shards.Length; s++) flat.Slice((int)_shards[s].Offset, _shards[s].Count).CopyTo(slices[s]);
        return Hand(slices);
    }

    /// <summary>Every shard has answered the step the last blocks went out in: their arrays may be written again.</summary>
    public void Release()
    {
        _free = _inFlight;
        _inFlight = null;
    }

    private float[][] Take()
    {
        var slices = _free ?? _shards.Select(r => new float[r.Count]).ToArray();
        _free = null;
        return slices;
    }

    private FloatBlock[] Hand(float[][] slices)
    {
        _inFlight = slices;
        return slices.Select(FloatBlock.Wrap).ToArray();
    }
}
