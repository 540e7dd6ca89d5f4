using System.Runtime.InteropServices;
using Autograd.Backends.Cpu.Gemm;
using Autograd.Backends.Cpu.Threading;
using Xunit;

namespace Autograd.Tests.Backends.Cpu;

/// <summary>
/// Sgemm/Dgemm against a naive triple loop in double precision, over edge-heavy shapes, every
/// transposition, accumulate on/off, padded leading dimensions, every kernel family and 1..3 threads.
/// </summary>
[Collection(CpuParallelCollection.Name)] // SetThreads/ForcedIsa are global: keep these tests serial
public sealed unsafe class GemmTests
{
    private static readonly int[] Edge = [1, 2, 3, 7, 13, 31, 33, 64, 65, 127, 128, 129, 300];

    public static TheoryData<int, int, int> SmallShapes()
    {
        var data = new TheoryData<int, int, int>();
        int[] dims = [1, 2, 3, 7, 13, 31, 33, 65, 129];
        foreach (int m in dims)
            foreach (int n in dims)
                data.Add(m, n, (m * 7 + n * 3) % 5 == 0 ? 300 : Edge[(m + 2 * n) % Edge.Length]);
        return data;
    }

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void Sgemm_MatchesReference_AllTranspositions(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                CheckSingle(ta, tb, m, n, k, accumulate: (m + n + k) % 2 == 0, pad: (m + k) % 3);
    }

    [Theory]
    [InlineData(64, 64, 64)]
    [InlineData(127, 129, 300)]
    [InlineData(128, 256, 784)]  // MLP fc1 shapes, both directions
    [InlineData(256, 784, 128)]
    [InlineData(128, 10, 128)]
    [InlineData(300, 65, 33)]
    [InlineData(33, 300, 513)]   // K spans several KC slices
    [InlineData(520, 40, 17)]    // M spans several MC blocks
    [InlineData(16, 4200, 9)]    // N spans several NC blocks, tiny K
    [InlineData(32, 9, 8200)]    // conv weight-gradient shape: NT goes through the dot-product path
    [InlineData(13, 5, 3001)]    // dot path with partial 4x3 blocks and a k tail
    [InlineData(7, 20, 20000)]   // dot path for m < 8, k split across threads
    public void Sgemm_LargerShapes_AccumulateAndOverwrite(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (bool acc in new[] { false, true })
                    CheckSingle(ta, tb, m, n, k, acc, pad: 5);
    }

    [Theory]
    [InlineData((int)GemmIsa.Avx2)]
    [InlineData((int)GemmIsa.Scalar)]
    public void Sgemm_FallbackKernels_MatchReference(int isa)
    {
        Gemm.ForcedIsa = (GemmIsa)isa; // GemmIsa is internal, so theories take int
        try
        {
            foreach (var (m, n, k) in new[] { (2, 2, 1), (13, 33, 31), (65, 31, 129), (129, 64, 300), (7, 300, 3) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        CheckSingle(ta, tb, m, n, k, accumulate: ta ^ tb, pad: 3);
        }
        finally
        {
            Gemm.ForcedIsa = GemmIsa.Auto;
        }
    }

    [Theory]
    [InlineData((int)GemmIsa.Auto)]
    [InlineData((int)GemmIsa.Avx2)]
    [InlineData((int)GemmIsa.Scalar)]
    public void Dgemm_MatchesReference(int isa)
    {
        Gemm.ForcedIsa = (GemmIsa)isa; // GemmIsa is internal, so theories take int
        try
        {
            foreach (var (m, n, k) in new[] { (1, 1, 1), (1, 33, 7), (31, 1, 65), (3, 2, 13), (13, 31, 33), (65, 127, 129), (128, 129, 300), (300, 64, 65) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        foreach (bool acc in new[] { false, true })
                            CheckDouble(ta, tb, m, n, k, acc, pad: 2);
        }
        finally
        {
            Gemm.ForcedIsa = GemmIsa.Auto;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Sgemm_IsCorrectForAnyThreadCount(int threads)
    {
        int saved = CpuParallel.DegreeOfParallelism;
        CpuParallel.SetThreads(threads);
        try
        {
            foreach (var (m, n, k) in new[] { (128, 256, 784), (64, 1000, 288), (32, 2000, 9), (300, 300, 300), (1, 500, 700), (500, 1, 700), (30, 7, 17000) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        CheckSingle(ta, tb, m, n, k, accumulate: ta, pad: 1);
        }
        finally
        {
            CpuParallel.SetThreads(saved);
        }
    }

    [Fact]
    public void Sgemm_EmptyDimensions()
    {
        float[] a = new float[16], b = new float[16], c = [float.NaN, 5f, 6f, 7f];
        fixed (float* pa = a, pb = b, pc = c)
        {
            Gemm.Sgemm(false, false, 0, 2, 3, pa, 3, pb, 2, pc, 2, accumulate: false); // nothing to write
            Gemm.Sgemm(false, false, 2, 0, 3, pa, 3, pb, 1, pc, 1, accumulate: false);
            Assert.True(float.IsNaN(c[0]));
            Gemm.Sgemm(false, false, 2, 2, 0, pa, 1, pb, 2, pc, 2, accumulate: true);  // k = 0, += 0
            Assert.Equal(5f, c[1]);
            Gemm.Sgemm(false, false, 2, 2, 0, pa, 1, pb, 2, pc, 2, accumulate: false); // k = 0, = 0
            Assert.Equal(new float[4], c);
        }
    }

    [Fact]
    public void Sgemm_OverwriteIgnoresNaNInOutput()
    {
        foreach (var (m, n, k) in new[] { (9, 40, 5), (1, 40, 5), (40, 1, 5), (128, 10, 128) })
            CheckSingle(false, true, m, n, k, accumulate: false, pad: 0, cInit: float.NaN);
    }

    [Fact]
    public void Sgemm_RejectsBadLeadingDimensions()
    {
        float* p = Alloc<float>(64);
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, 4, 4, 4, p, 3, p, 4, p, 4, false));
            Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, true, 4, 4, 4, p, 4, p, 3, p, 4, false));
            Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, 4, 4, 4, p, 4, p, 4, p, 3, false));
            Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, -1, 4, 4, p, 4, p, 4, p, 4, false));
        }
        finally
        {
            NativeMemory.AlignedFree(p);
        }
    }

    [Fact]
    public void Sgemm_SteadyStateDoesNotAllocate()
    {
        const int m = 128, n = 256, k = 784;
        float* a = Alloc<float>(m * k), b = Alloc<float>(n * k), c = Alloc<float>(m * n);
        try
        {
            void Step()
            {
                Gemm.Sgemm(false, true, m, n, k, a, k, b, k, c, n, false);   // forward
                Gemm.Sgemm(true, false, n, k, m, c, n, a, k, b, k, true);    // weight gradient
                Gemm.Sgemm(false, false, 1, n, k, a, k, b, n, c, n, false);  // matrix-vector
                Gemm.Sgemm(false, true, 9, 5, 8192, a, 8192, b, 8192, c, 5, false); // dot-product path
            }
            for (int i = 0; i < 3; i++)
                Step(); // first calls create the pool threads and grow the scratch buffers
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
                Step();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }

    private static void CheckSingle(bool ta, bool tb, int m, int n, int k, bool accumulate, int pad, float cInit = 0.25f)
    {
        var (lda, ldb, ldc, aLen, bLen, cLen) = Layout(ta, tb, m, n, k, pad);
        var rng = new Random(m * 1_000_003 + n * 1009 + k * 31 + (ta ? 1 : 0) + (tb ? 2 : 0));
        float[] a = Fill(aLen, rng), b = Fill(bLen, rng), c = new float[cLen];
        Array.Fill(c, cInit);
        if (accumulate)
        {
            for (int i = 0; i < cLen; i++)
                c[i] = (float)(rng.NextDouble() - 0.5);
        }
        float[] c0 = (float[])c.Clone();
        fixed (float* pa = a, pb = b, pc = c)
            Gemm.Sgemm(ta, tb, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, mag = 0;
                for (int p = 0; p < k; p++)
                {
                    double t = (double)a[ta ? p * lda + i : i * lda + p] * b[tb ? j * ldb + p : p * ldb + j];
                    sum += t;
                    mag += Math.Abs(t);
                }
                if (accumulate)
                {
                    sum += c0[i * ldc + j];
                    mag += Math.Abs(c0[i * ldc + j]);
                }
                double err = Math.Abs(c[i * ldc + j] - sum);
                // float32 dot products: error grows ~ sqrt(k) * eps * sum|terms|; be generous but tight
                // enough to catch a single wrong or missing term (~mag / k).
                Assert.True(err <= 1e-5 * (mag + 1e-3) * Math.Sqrt(k + 1) + 1e-7,
                    $"ta={ta} tb={tb} m={m} n={n} k={k} acc={accumulate} C[{i},{j}]={c[i * ldc + j]} want {sum}");
            }
            for (int j = n; j < ldc; j++) // padding columns of C are never touched
                Assert.Equal(c0[i * ldc + j], c[i * ldc + j]);
        }
    }

    private static void CheckDouble(bool ta, bool tb, int m, int n, int k, bool accumulate, int pad)
    {
        var (lda, ldb, ldc, aLen, bLen, cLen) = Layout(ta, tb, m, n, k, pad);
        var rng = new Random(m * 7919 + n * 104729 + k + (ta ? 1 : 0) + (tb ? 2 : 0));
        double[] a = FillD(aLen, rng), b = FillD(bLen, rng), c = FillD(cLen, rng);
        if (!accumulate)
            Array.Fill(c, double.NaN);
        double[] c0 = (double[])c.Clone();
        fixed (double* pa = a, pb = b, pc = c)
            Gemm.Dgemm(ta, tb, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c0[i * ldc + j] : 0, mag = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double t = a[ta ? p * lda + i : i * lda + p] * b[tb ? j * ldb + p : p * ldb + j];
                    sum += t;
                    mag += Math.Abs(t);
                }
                double err = Math.Abs(c[i * ldc + j] - sum);
                Assert.True(err <= 1e-13 * (mag + 1e-3) * Math.Sqrt(k + 1),
                    $"ta={ta} tb={tb} m={m} n={n} k={k} acc={accumulate} C[{i},{j}]={c[i * ldc + j]} want {sum}");
            }
        }
    }

    private static (int Lda, int Ldb, int Ldc, int ALen, int BLen, int CLen) Layout(bool ta, bool tb, int m, int n, int k, int pad)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        return (lda, ldb, ldc, (ta ? k : m) * lda, (tb ? n : k) * ldb, m * ldc);
    }

    private static float[] Fill(int len, Random rng)
    {
        var x = new float[len];
        for (int i = 0; i < len; i++)
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static double[] FillD(int len, Random rng)
    {
        var x = new double[len];
        for (int i = 0; i < len; i++)
            x[i] = rng.NextDouble() * 2 - 1;
        return x;
    }

    private static T* Alloc<T>(int count) where T : unmanaged
    {
        var p = (T*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(T)), 64);
        new Span<T>(p, count).Clear();
        return p;
    }
}
