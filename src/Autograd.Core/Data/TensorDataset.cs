namespace Autograd.Data;

/// <summary>
/// Samples are rows of tensors that share their first dimension (torch.utils.data.TensorDataset). A batch is one
/// index-select per tensor, so no per-sample tensors are made.
/// </summary>
public sealed class TensorDataset : Dataset
{
    private readonly Tensor[] _tensors;

    public TensorDataset(params Tensor[] tensors)
    {
        if (tensors.Length == 0) throw new ArgumentException("TensorDataset: needs at least one tensor", nameof(tensors));
        int count = tensors[0].Dim == 0 ? throw new ArgumentException("TensorDataset: tensors need a first (sample) dimension") : tensors[0].Shape[0];
        for (int i = 1; i < tensors.Length; i++)
        {
            if (tensors[i].Dim == 0 || tensors[i].Shape[0] != count)
                throw new ArgumentException($"TensorDataset: size mismatch between tensors: tensor 0 has {count} samples (shape {Tensor.ShapeString(tensors[0].Shape)}) but tensor {i} has shape {Tensor.ShapeString(tensors[i].Shape)}");
        }

        foreach (var t in tensors) t.EscapeScope();
        _tensors = tensors;
        Count = count;
    }

    public override int Count { get; }

    /// <summary>The whole tensors (e.g. every image), first dimension = sample.</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    public override Tensor[] Get(int index)
    {
        CheckIndex(index);
        return _tensors.Select(t => t[index]).ToArray();
    }

    public override Tensor[] GetBatch(IReadOnlyList<int> indices)
    {
        if (indices.Count == 0) throw new ArgumentException("GetBatch: a batch needs at least one index", nameof(indices));
        var rows = new long[indices.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            CheckIndex(indices[i]);
            rows[i] = indices[i];
        }

        using var rowIndex = Tensor.From(rows, [rows.Length], _tensors[0].Device);
        using var noGrad = Tensor.NoGrad();
        return _tensors.Select(t => t.IndexSelect(0, rowIndex)).ToArray();
    }
}
