using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Autograd.Backends.Cpu.Threading;

namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// C = A * B^T (A m x k, B n x k, both rows contiguous along k) for a tiny C and a long k, e.g. the
/// first conv layer's weight gradient 32 x 9 x 86528. The packed path would pad N = 9 to a 16-wide
/// tile and transpose all of A; here every element of A and B is read once, straight from memory,
/// into 4 x 3 blocks of dot products vectorised along k. Threads split k and sum their partial C's.
/// </summary>
internal static unsafe class SgemmDot
{
    private const int RowBlock = 4, ColBlock = 3; // 12 zmm accumulators + 7 loads per step
    private const int DepthBlock = 2048;          // (m + n) rows of 8 KB stay in L2 across the blocks
    private const int MinDepthPerThread = 8192;

    public static bool Applies(in GemmProblem<float> p) =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && !p.TransA && p.TransB
        && p.K >= 2048 && (p.N < 16 || p.M < 8) && (long)p.M * p.N <= 4096;

    public static void Run(in GemmProblem<float> p)
    {
        int threads = CpuParallel.IsInParallelRegion ? 1 : CpuParallel.DegreeOfParallelism;
        int chunks = Math.Clamp(p.K / MinDepthPerThread, 1, threads);
        int cells = p.M * p.N;
        float* partial = (float*)GemmScratch.Get((nuint)(chunks * cells * sizeof(float)));
        var body = new ChunkBody { Problem = p, Chunks = chunks, Partial = partial };
        CpuParallel.For(chunks, ref body);

        for (int i = 0; i < p.M; i++)
        {
            float* c = p.C + i * p.Ldc;
            for (int j = 0; j < p.N; j++)
            {
                float sum = p.Accumulate ? c[j] : 0f;
                for (int t = 0; t < chunks; t++)
                    sum += partial[t * cells + i * p.N + j];
                c[j] = sum;
            }
        }
    }

    private struct ChunkBody : IParallelBody
    {
        public GemmProblem<float> Problem;
        public int Chunks;
        public float* Partial;

        public readonly void Invoke(int index)
        {
            var (k0, k1) = CpuParallel.ChunkBounds(Problem.K, Chunks, index);
            ComputeChunk(in Problem, k0, k1, Partial + index * Problem.M * Problem.N);
        }
    }

    /// <summary>out[m x n] = A[:, k0..k1] * B[:, k0..k1]^T.</summary>
    private static void ComputeChunk(in GemmProblem<float> p, int k0, int k1, float* result)
    {
        int m = p.M, n = p.N;
        new Span<float>(result, m * n).Clear();
        for (int kb = k0; kb < k1; kb += DepthBlock)
        {
            int len = Math.Min(DepthBlock, k1 - kb);
            for (int i = 0; i < m; i += RowBlock)
            {
                int rows = Math.Min(RowBlock, m - i);
                for (int j = 0; j < n; j += ColBlock)
                {
                    int cols = Math.Min(ColBlock, n - j);
                    float* a = p.A + i * p.Lda + kb;
                    float* b = p.B + j * p.Ldb + kb;
                    float* r = result + i * n + j;
                    if (rows == RowBlock && cols == ColBlock)
                    {
                        Dot4x3(a, p.Lda, b, p.Ldb, len, r, n);
                        continue;
                    }
                    for (int ii = 0; ii < rows; ii++)
                    {
                        for (int jj = 0; jj < cols; jj++)
                        {
                            r[ii * n + jj] += TensorPrimitives.Dot(
                                new ReadOnlySpan<float>(a + ii * p.Lda, len), new ReadOnlySpan<float>(b + jj * p.Ldb, len));
                        }
                    }
                }
            }
        }
    }

    /// <summary>r[i*ldr + j] += dot(a row i, b row j) over len, for i &lt; 4, j &lt; 3.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x3(float* a, nint lda, float* b, nint ldb, int len, float* r, int ldr)
    {
        float* a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* b1 = b + ldb, b2 = b + 2 * ldb;
        Vector512<float> s00 = default, s01 = default, s02 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default;
        int p = 0;
        for (; p + 16 <= len; p += 16)
        {
            Vector512<float> x0 = Vector512.Load(b + p), x1 = Vector512.Load(b1 + p), x2 = Vector512.Load(b2 + p);
            Vector512<float> y = Vector512.Load(a + p);
            s00 = Avx512F.FusedMultiplyAdd(y, x0, s00);
            s01 = Avx512F.FusedMultiplyAdd(y, x1, s01);
            s02 = Avx512F.FusedMultiplyAdd(y, x2, s02);
            y = Vector512.Load(a1 + p);
            s10 = Avx512F.FusedMultiplyAdd(y, x0, s10);
            s11 = Avx512F.FusedMultiplyAdd(y, x1, s11);
            s12 = Avx512F.FusedMultiplyAdd(y, x2, s12);
            y = Vector512.Load(a2 + p);
            s20 = Avx512F.FusedMultiplyAdd(y, x0, s20);
            s21 = Avx512F.FusedMultiplyAdd(y, x1, s21);
            s22 = Avx512F.FusedMultiplyAdd(y, x2, s22);
            y = Vector512.Load(a3 + p);
            s30 = Avx512F.FusedMultiplyAdd(y, x0, s30);
            s31 = Avx512F.FusedMultiplyAdd(y, x1, s31);
            s32 = Avx512F.FusedMultiplyAdd(y, x2, s32);
        }
        float* rest = stackalloc float[RowBlock * ColBlock];
        new Span<float>(rest, RowBlock * ColBlock).Clear();
        for (; p < len; p++)
        {
            for (int i = 0; i < RowBlock; i++)
            {
                float ai = a[i * lda + p];
                for (int j = 0; j < ColBlock; j++)
                    rest[i * ColBlock + j] += ai * b[j * ldb + p];
            }
        }
        r[0] += Vector512.Sum(s00) + rest[0];
        r[1] += Vector512.Sum(s01) + rest[1];
        r[2] += Vector512.Sum(s02) + rest[2];
        r[ldr] += Vector512.Sum(s10) + rest[3];
        r[ldr + 1] += Vector512.Sum(s11) + rest[4];
        r[ldr + 2] += Vector512.Sum(s12) + rest[5];
        r[2 * ldr] += Vector512.Sum(s20) + rest[6];
        r[2 * ldr + 1] += Vector512.Sum(s21) + rest[7];
        r[2 * ldr + 2] += Vector512.Sum(s22) + rest[8];
        r[3 * ldr] += Vector512.Sum(s30) + rest[9];
        r[3 * ldr + 1] += Vector512.Sum(s31) + rest[10];
        r[3 * ldr + 2] += Vector512.Sum(s32) + rest[11];
    }
}
