using Autograd.Backends.Cpu.Threading;

namespace Autograd.Backends.Cpu.Gemm;

/// <summary>Which micro-kernel family the GEMM uses (tests force the fallbacks).</summary>
internal enum GemmIsa
{
    Auto,
    Avx512,
    Avx2,
    Scalar,
}

/// <summary>
/// Row-major BLAS-like GEMM: C[m x n] (=|+=) op(A)[m x k] * op(B)[k x n], where op(A) = A (stored
/// m x k, row stride lda) or A^T (A stored k x m), likewise B. Parallel over
/// <see cref="CpuParallel.DegreeOfParallelism"/> threads; allocation-free in steady state.
/// </summary>
/// <remarks>
/// Paths: m == 1 or n == 1 -> <see cref="GemmVector{T}"/> (matrix-vector); float32 A*B^T with a tiny C
/// and long k -> <see cref="SgemmDot"/>; everything else -> the packed, cache-blocked
/// <see cref="GemmDriver{T, TKernel}"/> with the best micro-kernel the CPU supports (AVX-512 8x32,
/// AVX2/FMA 6x16, or portable scalar 4x4; float64 uses 8x16 / 6x8 / 4x4).
/// </remarks>
internal static unsafe class Gemm
{
    /// <summary>Forces a kernel family (Auto = best supported). An unsupported choice falls back.</summary>
    internal static GemmIsa ForcedIsa { get; set; } = GemmIsa.Auto;

    /// <summary>Float32 GEMM. With <paramref name="accumulate"/> false C is overwritten and never read
    /// (it may hold NaN); otherwise the product is added to C.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb,
        float* c, int ldc, bool accumulate)
    {
        var p = Prepare(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, out bool done);
        if (done)
            return;
        if (m == 1 || n == 1)
        {
            GemmVector<float>.Run(in p);
            return;
        }
        if (ForcedIsa == GemmIsa.Auto && SgemmDot.Applies(in p))
        {
            SgemmDot.Run(in p);
            return;
        }
        switch (Select(SgemmKernel512.IsSupported, SgemmKernel256.IsSupported))
        {
            case GemmIsa.Avx512:
                GemmDriver<float, SgemmKernel512>.Run(in p);
                break;
            case GemmIsa.Avx2:
                GemmDriver<float, SgemmKernel256>.Run(in p);
                break;
            default:
                GemmDriver<float, ScalarGemmKernel<float>>.Run(in p);
                break;
        }
    }

    /// <summary>Float64 GEMM, same contract as <see cref="Sgemm"/>.</summary>
    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double* a, int lda, double* b, int ldb,
        double* c, int ldc, bool accumulate)
    {
        var p = Prepare(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, out bool done);
        if (done)
            return;
        if (m == 1 || n == 1)
        {
            GemmVector<double>.Run(in p);
            return;
        }
        switch (Select(DgemmKernel512.IsSupported, DgemmKernel256.IsSupported))
        {
            case GemmIsa.Avx512:
                GemmDriver<double, DgemmKernel512>.Run(in p);
                break;
            case GemmIsa.Avx2:
                GemmDriver<double, DgemmKernel256>.Run(in p);
                break;
            default:
                GemmDriver<double, ScalarGemmKernel<double>>.Run(in p);
                break;
        }
    }

    private static GemmIsa Select(bool avx512, bool avx2)
    {
        GemmIsa forced = ForcedIsa;
        if (avx512 && forced is GemmIsa.Auto or GemmIsa.Avx512)
            return GemmIsa.Avx512;
        if (avx2 && forced is GemmIsa.Auto or GemmIsa.Avx512 or GemmIsa.Avx2)
            return GemmIsa.Avx2;
        return GemmIsa.Scalar;
    }

    /// <summary>Validates arguments and handles the degenerate shapes (empty C, k == 0).</summary>
    private static GemmProblem<T> Prepare<T>(bool transA, bool transB, int m, int n, int k, T* a, int lda, T* b,
        int ldb, T* c, int ldc, bool accumulate, out bool done) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        done = true;
        if (m == 0 || n == 0)
            return default;
        ArgumentOutOfRangeException.ThrowIfLessThan(ldc, n);
        if (k == 0)
        {
            // op(A) * op(B) is all zeros: overwrite C with 0, or leave it as is when accumulating.
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                    new Span<T>(c + (nint)i * ldc, n).Clear();
            }
            return default;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(lda, transA ? m : k);
        ArgumentOutOfRangeException.ThrowIfLessThan(ldb, transB ? k : n);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        done = false;
        return new GemmProblem<T>
        {
            TransA = transA, TransB = transB, M = m, N = n, K = k,
            A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc, Accumulate = accumulate,
        };
    }
}
