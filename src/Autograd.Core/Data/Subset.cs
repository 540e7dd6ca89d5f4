namespace Autograd.Data;

/// <summary>A dataset restricted to some of another's indices (torch.utils.data.Subset).</summary>
public sealed class Subset : Dataset
{
    private readonly Dataset _source;
    private readonly int[] _indices;

    public Subset(Dataset source, IReadOnlyList<int> indices)
    {
        _source = source;
        _indices = indices.ToArray();
        foreach (int i in _indices)
        {
            if ((uint)i >= (uint)source.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Subset: index {i} is out of range for a dataset of {source.Count} samples");
        }
    }

    /// <summary>The first <paramref name="count"/> samples of <paramref name="source"/>.</summary>
    public static Subset First(Dataset source, int count) => new(source, Enumerable.Range(0, Math.Min(count, source.Count)).ToArray());

    public override int Count => _indices.Length;

    public override Tensor[] Get(int index)
    {
        CheckIndex(index);
        return _source.Get(_indices[index]);
    }

    public override Tensor[] GetBatch(IReadOnlyList<int> indices)
    {
        var mapped = new int[indices.Count];
        for (int i = 0; i < mapped.Length; i++)
        {
            CheckIndex(indices[i]);
            mapped[i] = _indices[indices[i]];
        }

        return _source.GetBatch(mapped);
    }
}
