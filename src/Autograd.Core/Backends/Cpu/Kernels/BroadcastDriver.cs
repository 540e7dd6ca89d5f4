using System.Numerics;

namespace Autograd.Backends.Cpu.Kernels;

/// <summary>
/// Runs a binary op over operands broadcast to one output shape: dimensions are coalesced first so the common
/// cases (same shape, scalar operand, a row added to every row) reach one contiguous span call per row.
/// </summary>
internal static unsafe class BroadcastDriver
{
    public static void Run<T>(BinaryOp op, T* a, int[] aShape, T* b, int[] bShape, T* y, int[] yShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = yShape.Length;
        if (rank == 0)
        {
            *y = BinaryKernels.Scalar(op, *a, *b);
            return;
        }

        Span<int> shape = stackalloc int[rank];
        Span<long> sa = stackalloc long[rank];
        Span<long> sb = stackalloc long[rank];
        Span<long> sy = stackalloc long[rank];
        int dims = Coalesce(aShape, bShape, yShape, shape, sa, sb, sy);
        shape = shape[..dims];

        int inner = shape[dims - 1];
        long ia = sa[dims - 1], ib = sb[dims - 1];
        long outer = 1;
        for (int d = 0; d < dims - 1; d++) outer *= shape[d];

        Span<int> index = stackalloc int[Math.Max(dims - 1, 1)];
        index.Clear();
        long oa = 0, ob = 0, oy = 0;
        for (long o = 0; o < outer; o++)
        {
            var dst = new Span<T>(y + oy, inner);
            if (ia == 1 && ib == 1) BinaryKernels.SpanSpan(op, new ReadOnlySpan<T>(a + oa, inner), new ReadOnlySpan<T>(b + ob, inner), dst);
            else if (ia == 1 && ib == 0) BinaryKernels.SpanScalar(op, new ReadOnlySpan<T>(a + oa, inner), b[ob], dst);
            else if (ia == 0 && ib == 1) BinaryKernels.ScalarSpan(op, a[oa], new ReadOnlySpan<T>(b + ob, inner), dst);
            else
            {
                for (int i = 0; i < inner; i++) dst[i] = BinaryKernels.Scalar(op, a[oa + (i * ia)], b[ob + (i * ib)]);
            }

            // Odometer over the outer dimensions.
            for (int d = dims - 2; d >= 0; d--)
            {
                oa += sa[d];
                ob += sb[d];
                oy += sy[d];
                if (++index[d] < shape[d]) break;
                oa -= sa[d] * shape[d];
                ob -= sb[d] * shape[d];
                oy -= sy[d] * shape[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>
    /// Aligns both operands to the output's rank (stride 0 where broadcast), drops size-1 dimensions and merges
    /// neighbours that are contiguous for every operand. Returns the number of dimensions left (at least 1).
    /// </summary>
    internal static int Coalesce(int[] aShape, int[] bShape, int[] yShape, Span<int> shape, Span<long> sa, Span<long> sb, Span<long> sy)
    {
        int rank = yShape.Length;
        Span<long> fullA = stackalloc long[rank];
        Span<long> fullB = stackalloc long[rank];
        Span<long> fullY = stackalloc long[rank];
        BroadcastStrides(aShape, yShape, fullA);
        BroadcastStrides(bShape, yShape, fullB);
        long s = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            fullY[d] = s;
            s *= yShape[d];
        }

        int n = 0;
        for (int d = 0; d < rank; d++)
        {
            if (yShape[d] == 1) continue;
            if (n > 0 && sa[n - 1] == fullA[d] * yShape[d] && sb[n - 1] == fullB[d] * yShape[d] && sy[n - 1] == fullY[d] * yShape[d])
            {
                shape[n - 1] *= yShape[d];
                sa[n - 1] = fullA[d];
                sb[n - 1] = fullB[d];
                sy[n - 1] = fullY[d];
                continue;
            }

            shape[n] = yShape[d];
            sa[n] = fullA[d];
            sb[n] = fullB[d];
            sy[n] = fullY[d];
            n++;
        }

        if (n == 0)
        {
            shape[0] = 1;
            sa[0] = sb[0] = sy[0] = 1;
            n = 1;
        }

        return n;
    }

    /// <summary>Strides of an operand read as if it had the output's shape: 0 along broadcast dimensions.</summary>
    private static void BroadcastStrides(int[] shape, int[] yShape, Span<long> strides)
    {
        int offset = yShape.Length - shape.Length;
        long s = 1;
        for (int d = yShape.Length - 1; d >= 0; d--)
        {
            int src = d - offset;
            if (src < 0 || shape[src] == 1)
            {
                strides[d] = 0;
            }
            else
            {
                strides[d] = s;
                s *= shape[src];
            }
        }
    }
}
