using Autograd.Graph;

namespace Autograd;

/// <summary>Matrix products on the backend's GEMM; transposes are GEMM flags, never copies.</summary>
public sealed partial class Tensor
{
    /// <summary>
    /// torch.matmul: dot product (1-D, 1-D), matrix product (2-D), and batched products whose leading dimensions
    /// broadcast; a 1-D operand is treated as a row (left) or column (right) vector and that dimension dropped.
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        CheckSameDevice(this, other, "MatMul");
        if (Dim == 0 || other.Dim == 0)
            throw new ArgumentException($"MatMul: both arguments need at least 1 dimension, got shapes {ShapeString(_shape)} and {ShapeString(other._shape)}");
        var dtype = DTypeInfo.Promote(DType, other.DType);
        var a = ToType(dtype);
        var b = other.ToType(dtype);
        bool vectorLeft = a.Dim == 1, vectorRight = b.Dim == 1;
        if (vectorLeft) a = a.Unsqueeze(0);
        if (vectorRight) b = b.Unsqueeze(1);
        int m = a._shape[^2], k = a._shape[^1], kb = b._shape[^2], n = b._shape[^1];
        if (k != kb)
            throw new ArgumentException($"MatMul: shapes {ShapeString(_shape)} and {ShapeString(other._shape)} cannot be multiplied ({m}x{k} and {kb}x{n})");
        var batchShape = BroadcastShape(a._shape[..^2], b._shape[..^2], "MatMul");
        var y = BatchedProduct(a, b, batchShape, m, n, k);
        y = GraphRecorder.Record(y, "MmBackward0", [a, b], [a, b], g =>
        {
            Tensor? ga = null, gb = null;
            if (a.RequiresGrad) ga = SumTo(BatchedProduct(g, b, batchShape, m, k, n, transB: true), a);
            if (b.RequiresGrad) gb = SumTo(BatchedProduct(a, g, batchShape, k, n, m, transA: true), b);
            return [ga, gb];
        });
        if (vectorLeft) y = y.Squeeze(-2);
        if (vectorRight) y = y.Squeeze(-1);
        return y;
    }

    /// <summary>y = x W^T + b over the last dimension of x (torch.nn.functional.linear); W is [out, in].</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        CheckSameDevice(input, weight, "Linear");
        if (bias is not null) CheckSameDevice(input, bias, "Linear");
        if (weight.Dim != 2) throw new ArgumentException($"Linear: weight must be 2-D [out_features, in_features], got {ShapeString(weight._shape)}");
        if (input.Dim == 0 || input._shape[^1] != weight._shape[1])
            throw new ArgumentException($"Linear: input shape {ShapeString(input._shape)} does not match weight shape {ShapeString(weight._shape)} (in_features {weight._shape[1]})");
        if (bias is not null && (bias.Dim != 1 || bias._shape[0] != weight._shape[0]))
            throw new ArgumentException($"Linear: bias shape {ShapeString(bias._shape)} does not match weight shape {ShapeString(weight._shape)} (expected [{weight._shape[0]}])");
        int inFeatures = weight._shape[1], outFeatures = weight._shape[0];
        int rows = input.Numel / Math.Max(inFeatures, 1);
        var outShape = (int[])input._shape.Clone();
        outShape[^1] = outFeatures;
        // Mixed dtypes promote as every other op does (the GEMM reads all three operands in one dtype).
        var dtype = DTypeInfo.Promote(input.DType, weight.DType);
        if (bias is not null) dtype = DTypeInfo.Promote(dtype, bias.DType);
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Linear: expected floating point tensors but got {dtype.TorchName()}");
        var x = input.ToType(dtype);
        weight = weight.ToType(dtype);
        bias = bias?.ToType(dtype);
        var y = Empty(outShape, dtype, weight.Device);
        var backend = weight.Backend;
        backend.Gemm(false, true, rows, outFeatures, inFeatures, x.Storage, 0, inFeatures, 0, weight.Storage, 0, inFeatures, 0, y.Storage, 0, outFeatures, 0, 1, accumulate: false);
        if (bias is not null) backend.Binary(Backends.BinaryOp.Add, y.Storage, [rows, outFeatures], bias.Storage, bias._shape, y.Storage, [rows, outFeatures]);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return GraphRecorder.Record(y, bias is null ? "MmBackward0" : "AddmmBackward0", inputs, [x, weight], g =>
        {
            Tensor? gx = null, gw = null, gb = null;
            if (x.RequiresGrad)
            {
                gx = Empty(x._shape, g.DType, g.Device);
                g.Backend.Gemm(false, false, rows, inFeatures, outFeatures, g.Storage, 0, outFeatures, 0, weight.Storage, 0, inFeatures, 0, gx.Storage, 0, inFeatures, 0, 1, accumulate: false);
            }

            if (weight.RequiresGrad)
            {
                gw = Empty(weight._shape, g.DType, g.Device);
                g.Backend.Gemm(true, false, outFeatures, inFeatures, rows, g.Storage, 0, outFeatures, 0, x.Storage, 0, inFeatures, 0, gw.Storage, 0, inFeatures, 0, 1, accumulate: false);
            }

            if (bias is not null && bias.RequiresGrad)
            {
                gb = Empty([outFeatures], g.DType, g.Device);
                g.Backend.Reduce(Backends.ReduceOp.Sum, g.Storage, 1, rows, outFeatures, gb.Storage);
            }

            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    /// <summary>
    /// C[batch] = op(A[batch]) op(B[batch]) with A's and B's batch dims broadcast to <paramref name="batchShape"/>;
    /// an operand without batch dims is shared by every batch (stride 0), one with partial ones is expanded first.
    /// </summary>
    private static Tensor BatchedProduct(Tensor a, Tensor b, int[] batchShape, int m, int n, int k, bool transA = false, bool transB = false)
    {
        int batch = ShapeNumel(batchShape, "MatMul");
        var (aStorage, aStride) = BatchOperand(a, batchShape);
        var (bStorage, bStride) = BatchOperand(b, batchShape);
        var outShape = batchShape.Append(m).Append(n).ToArray();
        var y = Empty(outShape, a.DType, a.Device);
        int lda = a._shape[^1], ldb = b._shape[^1];
        a.Backend.Gemm(transA, transB, m, n, k, aStorage.Storage, 0, lda, aStride, bStorage.Storage, 0, ldb, bStride, y.Storage, 0, n, (long)m * n, batch, accumulate: false);
        if (!ReferenceEquals(aStorage, a)) aStorage.Dispose();
        if (!ReferenceEquals(bStorage, b)) bStorage.Dispose();
        return y;
    }

    private static (Tensor Operand, long BatchStride) BatchOperand(Tensor t, int[] batchShape)
    {
        long matrix = (long)t._shape[^1] * t._shape[^2];
        if (t.Dim == 2) return (t, 0);
        if (t._shape[..^2].AsSpan().SequenceEqual(batchShape)) return (t, matrix);
        using var noGrad = GradMode.Set(false);
        return (t.Expand(batchShape.Append(t._shape[^2]).Append(t._shape[^1]).ToArray()), matrix);
    }
}
