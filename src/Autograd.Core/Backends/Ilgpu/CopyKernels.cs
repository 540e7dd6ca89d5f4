using ILGPU;

namespace Autograd.Backends.Ilgpu;

/// <summary>Kernels that move, convert and index elements. Every kernel is a grid-stride loop over its items.</summary>
internal static class CopyKernels
{
    public const long IndexSelectError = 1, IndexAddError = 2, GatherError = 3, ScatterAddError = 4;

    public static void Fill<T, TElem>(int n, double value, ArrayView<T> y)
        where T : unmanaged
        where TElem : struct, IElement<T>
    {
        T v = default(TElem).FromDouble(value);
        for (int i = GridStride.Start; i < n; i += GridStride.Step) y[i] = v;
    }

    public static void Cast<TFrom, TFromElem, TTo, TToElem>(int n, ArrayView<TFrom> x, ArrayView<TTo> y)
        where TFrom : unmanaged
        where TFromElem : struct, IElement<TFrom>
        where TTo : unmanaged
        where TToElem : struct, IElement<TTo>
    {
        for (int i = GridStride.Start; i < n; i += GridStride.Step) y[i] = default(TToElem).FromDouble(default(TFromElem).ToDouble(x[i]));
    }

    /// <summary>dst[dstOffset + offB(i)] (=|+=) src[srcOffset + offA(i)] over the layout's index space.</summary>
    public static void StridedCopy<T, TElem>(int n, StridedLayout layout, int srcOffset, ArrayView<T> src, int dstOffset, ArrayView<T> dst, int accumulate)
        where T : unmanaged
        where TElem : struct, IElement<T>
    {
        for (int i = GridStride.Start; i < n; i += GridStride.Step)
        {
            layout.Offsets(i, out int a, out int b, out _);
            T v = src[srcOffset + a];
            dst[dstOffset + b] = accumulate != 0 ? default(TElem).Add(dst[dstOffset + b], v) : v;
        }
    }

    /// <summary>y[o, j, i] = x[o, index[j], i], over n = outer * count * inner.</summary>
    public static void IndexSelect<T>(int n, int dimSize, int count, int inner, ArrayView<T> x, ArrayView<long> index, ArrayView<T> y, ArrayView<long> errors)
        where T : unmanaged
    {
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int i = t % inner, rest = t / inner, j = rest % count, o = rest / count;
            long at = index[j];
            if (at < 0 || at >= dimSize)
            {
                Report(errors, IndexSelectError, at, dimSize);
                y[t] = default;
                continue;
            }

            y[t] = x[(((o * dimSize) + (int)at) * inner) + i];
        }
    }

    /// <summary>gx[o, index[j], i] += gy[o, j, i]; atomic because an index may repeat.</summary>
    public static void IndexAdd<T, TNum>(int n, int dimSize, int count, int inner, ArrayView<T> gy, ArrayView<long> index, ArrayView<T> gx, ArrayView<long> errors)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int i = t % inner, rest = t / inner, j = rest % count, o = rest / count;
            long at = index[j];
            if (at < 0 || at >= dimSize)
            {
                Report(errors, IndexAddError, at, dimSize);
                continue;
            }

            default(TNum).AtomicAdd(ref gx[(((o * dimSize) + (int)at) * inner) + i], gy[t]);
        }
    }

    /// <summary>y[o, i] = x[o, index[o, i], i], over n = outer * inner.</summary>
    public static void Gather<T>(int n, int dimSize, int inner, ArrayView<T> x, ArrayView<long> index, ArrayView<T> y, ArrayView<long> errors)
        where T : unmanaged
    {
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int i = t % inner, o = t / inner;
            long at = index[t];
            if (at < 0 || at >= dimSize)
            {
                Report(errors, GatherError, at, dimSize);
                y[t] = default;
                continue;
            }

            y[t] = x[(((o * dimSize) + (int)at) * inner) + i];
        }
    }

    /// <summary>gx[o, index[o, i], i] += gy[o, i]: each (o, i) owns a distinct column, so no atomics are needed.</summary>
    public static void ScatterAdd<T, TElem>(int n, int dimSize, int inner, ArrayView<T> gy, ArrayView<long> index, ArrayView<T> gx, ArrayView<long> errors)
        where T : unmanaged
        where TElem : struct, IElement<T>
    {
        for (int t = GridStride.Start; t < n; t += GridStride.Step)
        {
            int i = t % inner, o = t / inner;
            long at = index[t];
            if (at < 0 || at >= dimSize)
            {
                Report(errors, ScatterAddError, at, dimSize);
                continue;
            }

            int to = (((o * dimSize) + (int)at) * inner) + i;
            gx[to] = default(TElem).Add(gx[to], gy[t]);
        }
    }

    /// <summary>Records the first bad index only (later ones lose the compare-exchange).</summary>
    private static void Report(ArrayView<long> errors, long code, long index, int dimSize)
    {
        if (Atomic.CompareExchange(ref errors[0], 0, code) == 0)
        {
            errors[1] = index;
            errors[2] = dimSize;
        }
    }
}
