using System.Buffers;

namespace Autograd.NN;

public static partial class Functional
{
    /// <summary>
    /// Looks up rows of <paramref name="weight"/> [num_embeddings, embedding_dim] (F.embedding): Int64 indices of any
    /// shape give [..., embedding_dim]. Repeated indices add their gradients into the same row.
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight)
    {
        const string op = "Embedding";
        Tensor.CheckSameDevice(indices, weight, op);
        if (indices.DType != DType.Int64)
            throw new ArgumentException($"{op}: expected indices of dtype torch.int64, but got {indices.DType.TorchName()} (indices {Tensor.ShapeString(indices.ShapeRef)})");
        if (weight.Dim != 2)
            throw new ArgumentException($"{op}: weight must be 2-D [num_embeddings, embedding_dim], but got weight of shape {Tensor.ShapeString(weight.ShapeRef)}");
        int rows = weight.ShapeRef[0];
        CheckIndexRange(indices, rows, (index, at) =>
            $"{op}: index {index} (at flat position {at} of indices {Tensor.ShapeString(indices.ShapeRef)}) is out of range for {rows} embeddings (weight {Tensor.ShapeString(weight.ShapeRef)})");
        var outShape = new int[indices.Dim + 1];
        indices.ShapeRef.CopyTo(outShape, 0);
        outShape[^1] = weight.ShapeRef[1];
        return weight.IndexSelect(0, indices.Reshape(-1)).Reshape(outShape);
    }

    /// <summary>
    /// Throws an ArgumentException (message from <paramref name="describe"/>(index, flat position)) unless every
    /// Int64 value of <paramref name="indices"/> lies in [0, count). Reads the indices on the host, through a pooled
    /// array, so the check allocates nothing per call.
    /// </summary>
    private static void CheckIndexRange(Tensor indices, int count, Func<long, int, string> describe)
    {
        int n = indices.Numel;
        if (n == 0) return;
        var host = ArrayPool<long>.Shared.Rent(n);
        try
        {
            var values = host.AsSpan(0, n);
            indices.Backend.Download<long>(indices.Storage, values);
            for (int i = 0; i < values.Length; i++)
                if ((ulong)values[i] >= (ulong)count) throw new ArgumentException(describe(values[i], i));
        }
        finally
        {
            ArrayPool<long>.Shared.Return(host);
        }
    }
}
