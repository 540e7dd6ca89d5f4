using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// A model's parameters as one flat float vector (in <see cref="Module.NamedParameters"/> order), followed in the
/// state-dict layout by its persistent buffers: what the shards slice and what travels between grains.
/// </summary>
public static class FlatParameters
{
    /// <summary>The state-dict entries' names, shapes and offsets: parameters first, then persistent buffers.</summary>
    public static ParameterLayout Layout(Module model)
    {
        var entries = new List<ParameterEntry>();
        long offset = 0;
        foreach (var (name, p) in model.NamedParameters())
        {
            entries.Add(new ParameterEntry(name, p.Shape, offset, IsBuffer: false, DTypeName(p.DType)));
            offset += p.Numel;
        }

        foreach (var (name, b) in PersistentBuffers(model))
        {
            entries.Add(new ParameterEntry(name, b.Shape, offset, IsBuffer: true, DTypeName(b.DType)));
            offset += b.Numel;
        }

        return new ParameterLayout { Entries = entries.ToArray(), TotalElements = offset };
    }

    public static long ParameterCount(Module model) => model.Parameters().Sum(p => (long)p.Numel);

    /// <summary>The parameters' values, concatenated.</summary>
    public static float[] Values(Module model) => Concat(model.Parameters().Select(p => p));

    /// <summary>The parameters' gradients, concatenated (zeros for a parameter that got none).</summary>
    public static float[] Gradients(Module model)
    {
        var flat = new float[ParameterCount(model)];
        int offset = 0;
        foreach (var p in model.Parameters())
        {
            if (p.Grad is { } g) g.ToArray().CopyTo(flat, offset);
            offset += p.Numel;
        }

        return flat;
    }

    /// <summary>
    /// The parameters' gradients cut into one block per shard (zeros for a parameter that got none): each gradient is
    /// copied once, straight into the block it belongs to, with no flat vector in between.
    /// </summary>
    /// <exception cref="ArgumentException">The shards do not cover the parameters exactly, in order.</exception>
    public static FloatBlock[] GradientBlocks(Module model, IReadOnlyList<ShardRange> shards)
    {
        var slices = shards.Select(r => new float[r.Count]).ToArray();
        GradientsInto(model, shards, slices);
        return slices.Select(FloatBlock.Wrap).ToArray();
    }

    /// <summary>
    /// Writes the parameters' gradients into <paramref name="slices"/> (one array per shard, of the shard's length),
    /// zeros for a parameter that got none: what <see cref="GradientBuffers"/> reuses from step to step.
    /// </summary>
    /// <exception cref="ArgumentException">The shards do not cover the parameters exactly, or an array's length differs from its shard's.</exception>
    public static void GradientsInto(Module model, IReadOnlyList<ShardRange> shards, float[][] slices)
    {
        var parameters = model.Parameters().ToList();
        CheckCover(parameters.Sum(p => (long)p.Numel), shards);
        if (slices.Length != shards.Count || slices.Where((a, s) => a.Length != shards[s].Count).Any())
            throw new ArgumentException($"FlatParameters: {slices.Length} arrays do not match the {shards.Count} shards' lengths", nameof(slices));
        // Each part of a gradient is copied straight into the slice that holds it: no staging copy (this runs every step).
        long offset = 0;
        foreach (var p in parameters)
        {
            if (p.Grad is { } g)
            {
                for (int s = 0; s < shards.Count; s++)
                {
                    var (from, to) = Overlap(shards[s], offset, p.Numel);
                    if (from < to) g.CopyTo(slices[s].AsSpan((int)(from - shards[s].Offset), (int)(to - from)), (int)(from - offset));
                }
            }
            else
            {
                Clear(offset, p.Numel, slices, shards);
            }

            offset += p.Numel;
        }
    }

    /// <summary>
    /// Writes the shards' slices (in <paramref name="shards"/> order) into the parameters in place, without a graph
    /// and without assembling the flat vector first.
    /// </summary>
    /// <exception cref="ArgumentException">The slices do not match the shards, or the shards do not cover the parameters exactly.</exception>
    public static void Load(Module model, IReadOnlyList<FloatBlock> slices, IReadOnlyList<ShardRange> shards)
    {
        var parameters = model.Parameters().ToList();
        CheckCover(parameters.Sum(p => (long)p.Numel), shards);
        if (slices.Count != shards.Count)
            throw new ArgumentException($"FlatParameters.Load: {slices.Count} slices for {shards.Count} shards", nameof(slices));
        for (int s = 0; s < shards.Count; s++)
        {
            if (slices[s].Count != shards[s].Count)
                throw new ArgumentException($"FlatParameters.Load: slice {s} holds {slices[s].Count} values, shard {s} covers {shards[s].Count}", nameof(slices));
        }

        using var noGrad = Tensor.NoGrad();
        // Each slice's part of a parameter is copied straight into it: no staging copy, no array per parameter per step.
        long offset = 0;
        foreach (var p in parameters)
        {
            for (int s = 0; s < shards.Count; s++)
            {
                var (from, to) = Overlap(shards[s], offset, p.Numel);
                if (from < to) p.Copy_(slices[s].Span[(int)(from - shards[s].Offset)..(int)(to - shards[s].Offset)], (int)(from - offset));
            }

            offset += p.Numel;
        }
    }

    /// <summary>The persistent buffers' values as floats (integer counters convert exactly below 2^24), concatenated.</summary>
    public static float[] BufferValues(Module model) => Concat(PersistentBuffers(model).Select(b => b.Buffer));

    /// <summary>Writes <paramref name="flat"/> into the parameters in place, without a graph.</summary>
    public static void Load(Module model, ReadOnlySpan<float> flat)
    {
        long expected = ParameterCount(model);
        if (flat.Length != expected)
            throw new ArgumentException($"FlatParameters.Load: {flat.Length} values for a model of {expected} parameters", nameof(flat));
        using var noGrad = Tensor.NoGrad();
        int offset = 0;
        foreach (var p in model.Parameters())
        {
            p.Copy_(flat.Slice(offset, p.Numel));
            offset += p.Numel;
        }
    }

    /// <summary>Zeros elements [offset, offset + length) of the flat vector in the slices that hold them.</summary>
    private static void Clear(long offset, int length, float[][] slices, IReadOnlyList<ShardRange> shards)
    {
        for (int s = 0; s < shards.Count; s++)
        {
            var (from, to) = Overlap(shards[s], offset, length);
            if (from < to) slices[s].AsSpan((int)(from - shards[s].Offset), (int)(to - from)).Clear();
        }
    }

    /// <summary>The flat indices [from, to) that shard <paramref name="range"/> shares with [offset, offset + length).</summary>
    private static (long From, long To) Overlap(ShardRange range, long offset, int length) =>
        (Math.Max(range.Offset, offset), Math.Min(range.Offset + range.Count, offset + length));

    private static void CheckCover(long total, IReadOnlyList<ShardRange> shards)
    {
        long next = 0;
        for (int s = 0; s < shards.Count; s++)
        {
            if (shards[s].Offset != next || shards[s].Count < 0)
                throw new ArgumentException($"FlatParameters: shard {s} covers [{shards[s].Offset}, {shards[s].Offset + shards[s].Count}) but the next element is {next}", nameof(shards));
            next += shards[s].Count;
        }

        if (next != total)
            throw new ArgumentException($"FlatParameters: the shards cover {next} elements but the model has {total} parameters", nameof(shards));
    }

    /// <summary>PyTorch's dtype name without the <c>torch.</c> prefix (<c>float32</c>, <c>int64</c>).</summary>
    private static string DTypeName(DType dtype) => dtype.TorchName().Replace("torch.", string.Empty, StringComparison.Ordinal);

    private static IEnumerable<(string Name, Tensor Buffer)> PersistentBuffers(Module model)
    {
        var state = model.StateDict();
        try
        {
            var parameterNames = model.NamedParameters().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var persistent = state.Keys.Where(k => !parameterNames.Contains(k)).ToHashSet(StringComparer.Ordinal);
            return model.NamedBuffers().Where(b => persistent.Contains(b.Name)).ToList();
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    private static float[] Concat(IEnumerable<Tensor> tensors)
    {
        var list = tensors.ToList();
        var flat = new float[list.Sum(t => (long)t.Numel)];
        int offset = 0;
        foreach (var t in list)
        {
            t.ToArray().CopyTo(flat, offset);
            offset += t.Numel;
        }

        return flat;
    }
}
