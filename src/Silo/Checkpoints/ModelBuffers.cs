using Autograd.Cluster.Silo.Training;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Checkpoints;

/// <summary>Loads a checkpoint's persistent buffers (BatchNorm running statistics, counters) into a model.</summary>
public static class ModelBuffers
{
    /// <summary>
    /// Writes <paramref name="flat"/> (the buffers in the state-dict layout's order, as
    /// <see cref="FlatParameters.BufferValues"/> reads them) into the model's buffers, converting to each buffer's dtype.
    /// </summary>
    public static void Load(Module model, float[] flat)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(flat);
        var layout = FlatParameters.Layout(model);
        long parameters = FlatParameters.ParameterCount(model);
        if (flat.Length != layout.TotalElements - parameters)
            throw new ArgumentException($"ModelBuffers.Load: {flat.Length} values for {layout.TotalElements - parameters} buffer elements", nameof(flat));
        var buffers = model.NamedBuffers().ToDictionary(b => b.Name, b => b.Buffer, StringComparer.Ordinal);
        using var noGrad = Tensor.NoGrad();
        foreach (var entry in layout.Entries.Where(e => e.IsBuffer))
        {
            var buffer = buffers[entry.Name];
            var values = flat.AsSpan((int)(entry.Offset - parameters), buffer.Numel).ToArray();
            using var source = buffer.DType == DType.Int64
                ? Tensor.From(values.Select(v => (long)v).ToArray(), entry.Shape)
                : Tensor.From(values, entry.Shape);
            if (buffer.Device == source.Device)
            {
                buffer.Copy_(source);
            }
            else
            {
                using var moved = source.To(buffer.Device);
                buffer.Copy_(moved);
            }
        }
    }
}
