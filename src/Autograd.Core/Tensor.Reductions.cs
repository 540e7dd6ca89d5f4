using Autograd.Backends;
using Autograd.Graph;

namespace Autograd;

/// <summary>Reductions over all elements or over dimensions (with keepdim), each gradient rule beside its forward.</summary>
public sealed partial class Tensor
{
    public Tensor Sum() => Sum(AllDims(), keepdim: false);

    public Tensor Sum(int dim, bool keepdim = false) => Sum([dim], keepdim);

    public Tensor Sum(int[] dims, bool keepdim = false)
    {
        var x = FloatForReduction("Sum");
        var axes = NormalizeDims(dims, "Sum");
        var y = ReduceDims(x, ReduceOp.Sum, axes, keepdim);
        var inputShape = x._shape;
        return GraphRecorder.Record(y, "SumBackward1", [x], [], g => [ExpandGradient(g, axes, inputShape)]);
    }

    public Tensor Mean() => Mean(AllDims(), keepdim: false);

    public Tensor Mean(int dim, bool keepdim = false) => Mean([dim], keepdim);

    public Tensor Mean(int[] dims, bool keepdim = false)
    {
        var x = FloatForReduction("Mean");
        var axes = NormalizeDims(dims, "Mean");
        long count = 1;
        foreach (int d in axes) count *= x._shape[d];
        var y = ReduceDims(x, ReduceOp.Sum, axes, keepdim);
        // sum / count as PyTorch computes it (a multiplication by 1/count would differ in the last bit).
        using (var divisor = Scalar(count, x.DType, x.Device))
            x.Backend.Binary(BinaryOp.Div, y.Storage, y._shape, divisor.Storage, [], y.Storage, y._shape);
        var inputShape = x._shape;
        return GraphRecorder.Record(y, "MeanBackward1", [x], [], g => [ExpandGradient(g, axes, inputShape) / count]);
    }

    /// <summary>The largest element; the gradient is shared evenly among ties, as in PyTorch.</summary>
    public Tensor Max() => ExtremeAll(ReduceOp.Max, "MaxBackward1");

    public Tensor Min() => ExtremeAll(ReduceOp.Min, "MinBackward1");

    /// <summary>Largest values along a dimension and their indices (torch.max(dim)).</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepdim = false) => ExtremeAlong(ReduceOp.Max, dim, keepdim, "MaxBackward0");

    public (Tensor Values, Tensor Indices) Min(int dim, bool keepdim = false) => ExtremeAlong(ReduceOp.Min, dim, keepdim, "MinBackward0");

    /// <summary>Index of the largest element of the flattened tensor.</summary>
    public Tensor Argmax() => Reshape(-1).Argmax(0);

    public Tensor Argmax(int dim, bool keepdim = false) => ExtremeAlong(ReduceOp.Max, dim, keepdim, null).Indices;

    public Tensor Argmin() => Reshape(-1).Argmin(0);

    public Tensor Argmin(int dim, bool keepdim = false) => ExtremeAlong(ReduceOp.Min, dim, keepdim, null).Indices;

    /// <summary>Variance with Bessel's correction by default (correction = 1), as torch.var.</summary>
    public Tensor Var(int[]? dims = null, int correction = 1, bool keepdim = false)
    {
        var axes = NormalizeDims(dims ?? AllDims(), "Var");
        long count = 1;
        foreach (int d in axes) count *= _shape[d];
        var centered = this - Mean(axes, keepdim: true);
        return (centered * centered).Sum(axes, keepdim) / Math.Max(0, count - correction);
    }

    public Tensor Var(int dim, int correction = 1, bool keepdim = false) => Var([dim], correction, keepdim);

    public Tensor Std(int[]? dims = null, int correction = 1, bool keepdim = false) => Var(dims, correction, keepdim).Sqrt();

    public Tensor Std(int dim, int correction = 1, bool keepdim = false) => Std([dim], correction, keepdim);

    /// <summary>log(sum(exp(x))) over dims, shifted by the (detached) max so it does not overflow.</summary>
    public Tensor LogSumExp(int[] dims, bool keepdim = false)
    {
        var axes = NormalizeDims(dims, "LogSumExp");
        Tensor shift;
        using (GradMode.Set(false))
        {
            shift = ReduceDims(FloatForReduction("LogSumExp"), ReduceOp.Max, axes, keepdim: true);
            // A slice that is all -inf (or +inf) would give inf - inf = NaN; clamping the shift to the finite range
            // keeps the result exact (-inf, +inf) while NaN still propagates.
            shift = shift.Clamp(-double.MaxValue, double.MaxValue);
        }

        var summed = (this - shift).Exp().Sum(axes, keepdim: true).Log() + shift;
        return keepdim ? summed : summed.Squeeze(axes);
    }

    public Tensor LogSumExp(int dim, bool keepdim = false) => LogSumExp([dim], keepdim);

    private int[] AllDims() => Enumerable.Range(0, Dim).ToArray();

    private Tensor FloatForReduction(string op)
    {
        if (DType.IsFloatingPoint()) return this;
        return ToType(DType.Float32);
    }

    /// <summary>Sorted, de-duplicated, non-negative dimensions; negative ones count from the end.</summary>
    internal int[] NormalizeDims(int[] dims, string op)
    {
        var result = new SortedSet<int>();
        foreach (int dim in dims) result.Add(NormalizeDim(dim, Dim, op));
        // A 0-d tensor accepts dim 0 / -1 (as PyTorch) but has no dimension to reduce or squeeze.
        return Dim == 0 ? [] : result.ToArray();
    }

    internal static int NormalizeDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"{op}: dimension out of range (expected to be in range of [{-r}, {r - 1}], but got {dim})");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>Reduces one dimension at a time, highest first, then drops the reduced dims unless keepdim.</summary>
    private static Tensor ReduceDims(Tensor x, ReduceOp op, int[] axes, bool keepdim)
    {
        var current = x;
        var shape = (int[])x._shape.Clone();
        if (x.Dim == 0 || axes.Length == 0)
        {
            var copy = EmptyLike(x);
            x.Backend.StridedCopy(x.Storage, 0, [1], copy.Storage, 0, [1], [x.Numel], false);
            current = copy;
        }

        for (int i = axes.Length - 1; i >= 0; i--)
        {
            int d = axes[i];
            int outer = 1, inner = 1;
            for (int k = 0; k < d; k++) outer *= shape[k];
            for (int k = d + 1; k < shape.Length; k++) inner *= shape[k];
            int reduce = shape[d];
            shape[d] = 1;
            var next = Empty(shape, x.DType, x.Device);
            x.Backend.Reduce(op, current.Storage, outer, reduce, inner, next.Storage);
            if (!ReferenceEquals(current, x)) current.Dispose();
            current = next;
        }

        if (keepdim || x.Dim == 0) return current;
        var kept = shape.Where((_, i) => Array.IndexOf(axes, i) < 0).ToArray();
        var result = current.ViewOfStorage(kept);
        current.Dispose();
        return result;
    }

    /// <summary>The gradient of a reduction: g broadcast back over the reduced dims.</summary>
    private static Tensor ExpandGradient(Tensor g, int[] axes, int[] inputShape)
    {
        var keptShape = (int[])inputShape.Clone();
        foreach (int d in axes) keptShape[d] = 1;
        return g.Reshape(keptShape).Expand(inputShape);
    }

    private Tensor ExtremeAll(ReduceOp op, string name)
    {
        var x = FloatForReduction(name);
        if (x.Numel == 0) throw new ArgumentException($"{OpName(name)}(): expected a non-empty tensor");
        var y = ReduceDims(x, op, x.AllDims(), keepdim: false);
        return GraphRecorder.Record(y, name, [x], [x], g =>
        {
            // Evenly shared among the elements equal to the result; when the result is NaN, among the NaNs (PyTorch's
            // evenly_distribute_backward).
            var hits = x.Eq(y) + (x.Ne(x) * y.Ne(y));
            return [hits * (g / hits.Sum())];
        });
    }

    private (Tensor Values, Tensor Indices) ExtremeAlong(ReduceOp op, int dim, bool keepdim, string? name)
    {
        string opName = name is null ? (op == ReduceOp.Max ? "Argmax" : "Argmin") : OpName(name);
        var x = FloatForReduction(opName);
        int d = NormalizeDim(dim, Dim, opName);
        int outer = 1, inner = 1;
        for (int k = 0; k < d && k < Dim; k++) outer *= _shape[k];
        for (int k = d + 1; k < Dim; k++) inner *= _shape[k];
        int reduce = Dim == 0 ? 1 : _shape[d];
        var keptShape = (int[])_shape.Clone();
        if (Dim > 0) keptShape[d] = 1;
        var values = name is null ? null : Empty(keptShape, x.DType, Device);
        var indices = Empty(keptShape, DType.Int64, Device);
        x.Backend.ArgReduce(op, x.Storage, outer, reduce, inner, values?.Storage, indices.Storage);
        var outShape = keepdim || Dim == 0 ? keptShape : _shape.Where((_, i) => i != d).ToArray();
        var outIndices = indices.ViewOfStorage(outShape);
        indices.Dispose();
        if (values is null) return (outIndices, outIndices);
        var outValues = values.ViewOfStorage(outShape);
        values.Dispose();
        var inputShape = x._shape;
        var savedIndices = outIndices;
        GraphRecorder.Record(outValues, name!, [x], [], g =>
        {
            var gx = Zeros(inputShape, g.DType, g.Device);
            g.Backend.ScatterAdd(g.Storage, outer, reduce, inner, savedIndices.Storage, gx.Storage);
            return [gx];
        });
        return (outValues, outIndices);
    }
}
