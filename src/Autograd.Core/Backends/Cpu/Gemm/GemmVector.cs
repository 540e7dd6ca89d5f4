using System.Numerics;
using System.Numerics.Tensors;
using Autograd.Backends.Cpu.Threading;

namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// GEMM with m == 1 or n == 1 (matrix-vector). Memory-bound, so packing and register tiles would only
/// add traffic: each matrix element is read once, either as a row dot product (rows contiguous) or as
/// an axpy into a cache-resident output block (columns contiguous).
/// </summary>
internal static unsafe class GemmVector<T> where T : unmanaged, INumber<T>
{
    private const int ParallelGrain = 1 << 15; // matrix elements per chunk before a split pays off
    private const int AxpyBlock = 2048;         // output elements kept hot in L1 across all k rows

    /// <summary>Handles the problem when M == 1 or N == 1 (K >= 1).</summary>
    public static void Run(in GemmProblem<T> p)
    {
        // n == 1: y[i] = sum_k opA[i,k] x[k]; m == 1: y[j] = sum_k x[k] opB[k,j]. In both cases the
        // matrix is op(A) or op(B)^T, stored either with the reduction axis contiguous (dot rows) or
        // with the output axis contiguous (axpy rows).
        bool columnOut = p.N == 1 && p.M != 1;
        int outLen = columnOut ? p.M : p.N;
        T* mat;
        nint ld;
        bool reductionContiguous;
        T* x;
        nint incx;
        nint incy;
        if (columnOut)
        {
            mat = p.A; ld = p.Lda; reductionContiguous = !p.TransA;
            x = p.B; incx = p.TransB ? 1 : p.Ldb;
            incy = p.Ldc;
        }
        else
        {
            mat = p.B; ld = p.Ldb; reductionContiguous = p.TransB;
            x = p.A; incx = p.TransA ? p.Lda : 1;
            incy = 1;
        }

        int k = p.K;
        T* scratch = (T*)GemmScratch.Get((nuint)((2 * k + outLen) * sizeof(T)));
        if (incx != 1)
        {
            for (int i = 0; i < k; i++)
                scratch[i] = x[i * incx];
            x = scratch;
        }
        if (outLen == 1 && !reductionContiguous)
        {
            // A single strided column (1 x 1 output): gather it and take one dot product.
            T* column = scratch + k;
            for (int i = 0; i < k; i++)
                column[i] = mat[i * ld];
            mat = column;
            reductionContiguous = true;
        }

        var body = new Body
        {
            Mat = mat, Ld = ld, K = k, X = x, Y = p.C, IncY = incy, Accumulate = p.Accumulate,
            ReductionContiguous = reductionContiguous, Temp = scratch + 2 * k,
        };
        int grain = Math.Max(1, ParallelGrain / k);
        if (!reductionContiguous)
            grain = Math.Max(grain, 256);
        CpuParallel.ForRange(outLen, grain, ref body);
    }

    private struct Body : IParallelRangeBody
    {
        public T* Mat, X, Y, Temp;
        public nint Ld, IncY;
        public int K;
        public bool Accumulate, ReductionContiguous;

        public readonly void Invoke(int start, int end)
        {
            if (ReductionContiguous)
                DotRows(start, end);
            else
                AxpyRows(start, end);
        }

        private readonly void DotRows(int start, int end)
        {
            var xs = new ReadOnlySpan<T>(X, K);
            for (int i = start; i < end; i++)
            {
                T dot = TensorPrimitives.Dot(new ReadOnlySpan<T>(Mat + i * Ld, K), xs);
                T* y = Y + i * IncY;
                *y = Accumulate ? *y + dot : dot;
            }
        }

        private readonly void AxpyRows(int start, int end)
        {
            for (int j0 = start; j0 < end; j0 += AxpyBlock)
            {
                int len = Math.Min(AxpyBlock, end - j0);
                // Accumulate into C directly when it is contiguous, else into a private temp slice.
                bool direct = IncY == 1;
                T* y = direct ? Y + j0 : Temp + j0;
                var ys = new Span<T>(y, len);
                if (!(direct && Accumulate))
                    ys.Clear(); // else C's contents are the starting value
                for (int p = 0; p < K; p++)
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>(Mat + p * Ld + j0, len), X[p], ys, ys);
                if (!direct)
                {
                    for (int j = 0; j < len; j++)
                    {
                        T* c = Y + (j0 + j) * IncY;
                        *c = Accumulate ? *c + y[j] : y[j];
                    }
                }
            }
        }
    }
}
