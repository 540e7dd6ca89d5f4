using ILGPU;

namespace Autograd.Backends.Ilgpu;

/// <summary>Reductions over the middle axis of [outer, reduce, inner], arg-reductions, softmax and sum of squares.</summary>
internal static class ReduceKernels
{
    /// <summary>Shared-memory slots of a group reduction: the largest group size the backend launches.</summary>
    public const int MaxGroupSize = 256;

    /// <summary>One output per thread: y[o, i] = reduce over r of x[o, r, i] (n = outer * inner).</summary>
    public static void ReduceColumns<T, TNum>(int n, int reduce, int inner, int op, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int o = t / inner, i = t - (o * inner);
            int at = (o * reduce * inner) + i;
            T acc = x[at];
            for (int r = 1; r < reduce; r++) acc = Combine<T, TNum>(op, acc, x[at + (r * inner)]);
            y[t] = acc;
        }
    }

    /// <summary>One group per row of a [outer, reduce] matrix: threads stride over the row, then halve in shared memory.</summary>
    public static void ReduceRows<T, TNum>(int outer, int reduce, int op, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        var partial = SharedMemory.Allocate<T>(MaxGroupSize);
        int tid = Group.IdxX, size = Group.DimX;
        for (int row = Grid.IdxX; row < outer; row += Grid.DimX)
        {
            T acc = Identity<T, TNum>(op);
            for (int r = tid; r < reduce; r += size) acc = Combine<T, TNum>(op, acc, x[(row * reduce) + r]);
            partial[tid] = acc;
            Group.Barrier();
            for (int half = size / 2; half > 0; half /= 2)
            {
                if (tid < half) partial[tid] = Combine<T, TNum>(op, partial[tid], partial[tid + half]);
                Group.Barrier();
            }

            if (tid == 0) y[row] = partial[0];
            Group.Barrier();
        }
    }

    /// <summary>First index of the max (min) of each [o, :, i]; a NaN counts as the extreme, as in PyTorch.</summary>
    public static void ArgReduce<T, TNum>(int n, int reduce, int inner, int max, int writeValues, ArrayView<T> x, ArrayView<T> values, ArrayView<long> indices)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int o = t / inner, i = t - (o * inner);
            int at = (o * reduce * inner) + i;
            T best = x[at];
            int bestIndex = 0;
            for (int r = 1; r < reduce && !m.IsNaN(best); r++)
            {
                T v = x[at + (r * inner)];
                if (m.IsNaN(v) || (max != 0 ? m.Lt(best, v) : m.Lt(v, best)))
                {
                    best = v;
                    bestIndex = r;
                }
            }

            indices[t] = bestIndex;
            if (writeValues != 0) values[t] = best;
        }
    }

    /// <summary>Max-shifted softmax (or log-softmax) of each [o, :, i], one thread per slice.</summary>
    public static void Softmax<T, TNum>(int n, int dim, int inner, int log, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int o = t / inner, i = t - (o * inner);
            int at = (o * dim * inner) + i;
            T max = m.NegativeInfinity;
            for (int d = 0; d < dim; d++) max = NumericOps.Max<T, TNum>(max, x[at + (d * inner)]);
            T sum = m.Zero;
            for (int d = 0; d < dim; d++) sum = m.Add(sum, m.Exp(m.Sub(x[at + (d * inner)], max)));
            T logSum = m.Log(sum);
            for (int d = 0; d < dim; d++)
            {
                int k = at + (d * inner);
                T shifted = m.Sub(x[k], max);
                y[k] = log != 0 ? m.Sub(shifted, logSum) : m.Div(m.Exp(shifted), sum);
            }
        }
    }

    /// <summary>softmax: gx = y * (gy - sum(gy * y)); log-softmax: gx = gy - exp(y) * sum(gy).</summary>
    public static void SoftmaxBackward<T, TNum>(int n, int dim, int inner, int log, ArrayView<T> y, ArrayView<T> gy, ArrayView<T> gx)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int o = t / inner, i = t - (o * inner);
            int at = (o * dim * inner) + i;
            T sum = m.Zero;
            for (int d = 0; d < dim; d++)
            {
                int k = at + (d * inner);
                sum = m.Add(sum, log != 0 ? gy[k] : m.Mul(gy[k], y[k]));
            }

            for (int d = 0; d < dim; d++)
            {
                int k = at + (d * inner);
                gx[k] = log != 0 ? m.Sub(gy[k], m.Mul(m.Exp(y[k]), sum)) : m.Mul(y[k], m.Sub(gy[k], sum));
            }
        }
    }

    /// <summary>result[0] += sum of x^2: per-thread partial sums, a group reduction, one atomic add per group.</summary>
    public static void SumOfSquares<T, TNum>(int n, ArrayView<T> x, ArrayView<T> result)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        var partial = SharedMemory.Allocate<T>(MaxGroupSize);
        int tid = Group.IdxX;
        T acc = m.Zero;
        for (int t = GridStride.Start; t < n; t += GridStride.Step) acc = m.Add(acc, m.Mul(x[t], x[t]));
        partial[tid] = acc;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (tid < half) partial[tid] = m.Add(partial[tid], partial[tid + half]);
            Group.Barrier();
        }

        if (tid == 0) m.AtomicAdd(ref result[0], partial[0]);
    }

    private static T Combine<T, TNum>(int op, T a, T b)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        if (op == (int)ReduceOp.Sum) return default(TNum).Add(a, b);
        return op == (int)ReduceOp.Max ? NumericOps.Max<T, TNum>(a, b) : NumericOps.Min<T, TNum>(a, b);
    }

    private static T Identity<T, TNum>(int op)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        if (op == (int)ReduceOp.Sum) return m.Zero;
        return op == (int)ReduceOp.Max ? m.NegativeInfinity : m.Sub(m.Zero, m.NegativeInfinity);
    }
}
