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
            using var values = Tensor.From(flat.Slice(offset, p.Numel).ToArray(), p.Shape);
            p.Copy_(values);
            offset += p.Numel;
        }
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
