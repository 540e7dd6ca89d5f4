namespace Autograd.Data;

/// <summary>
/// A map-style dataset (torch.utils.data.Dataset): a count of samples, each a tuple of tensors such as
/// (image, label). <see cref="GetBatch"/> assembles many samples at once; the default stacks them, datasets backed
/// by whole tensors gather rows in one kernel instead.
/// </summary>
public abstract class Dataset
{
    public abstract int Count { get; }

    /// <summary>Sample <paramref name="index"/> as its tensors (same arity for every sample).</summary>
    public abstract Tensor[] Get(int index);

    /// <summary>The samples at <paramref name="indices"/>, each field stacked along a new first dimension.</summary>
    public virtual Tensor[] GetBatch(IReadOnlyList<int> indices)
    {
        if (indices.Count == 0) throw new ArgumentException("GetBatch: a batch needs at least one index", nameof(indices));
        var samples = indices.Select(Get).ToArray();
        int fields = samples[0].Length;
        var batch = new Tensor[fields];
        for (int f = 0; f < fields; f++) batch[f] = Tensor.Stack(samples.Select(s => s[f]).ToArray());
        return batch;
    }

    protected void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{GetType().Name}: index {index} is out of range for a dataset of {Count} samples");
    }
}

/// <summary>Deconstructs a batch into its fields: <c>foreach (var (x, y) in loader)</c>.</summary>
public static class BatchExtensions
{
    public static void Deconstruct(this Tensor[] batch, out Tensor first, out Tensor second)
    {
        if (batch.Length != 2) throw new ArgumentException($"expected a batch of 2 tensors but it has {batch.Length}");
        first = batch[0];
        second = batch[1];
    }

    public static void Deconstruct(this Tensor[] batch, out Tensor first, out Tensor second, out Tensor third)
    {
        if (batch.Length != 3) throw new ArgumentException($"expected a batch of 3 tensors but it has {batch.Length}");
        first = batch[0];
        second = batch[1];
        third = batch[2];
    }
}
