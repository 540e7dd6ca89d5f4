using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Autograd.Backends.Cpu.Gemm;
using Autograd.Backends.Cpu.Threading;

namespace Autograd.Bench;

/// <summary>
/// <c>gemm [N] [--threads T] [--iters I] [--device D]</c>: float32 GEMM throughput for N^3 (all four transposition
/// variants) and for the shapes the MLP (784-256-128-10, batch 128) and CNN (im2col) benchmarks run.
/// Each shape is timed in 5 trials of I calls (I auto-sized to ~0.15 s when not given); the best
/// trial is reported, the median in brackets. Mirrors bench/reference/torch_gemm.py.
/// </summary>
internal static unsafe class GemmBenchmark
{
    private readonly record struct Shape(string Name, bool TransA, bool TransB, int M, int N, int K);

    private static IEnumerable<Shape> Shapes(int n) =>
    [
        new($"square{n}.NN", false, false, n, n, n),
        new($"square{n}.NT", false, true, n, n, n),
        new($"square{n}.TN", true, false, n, n, n),
        new($"square{n}.TT", true, true, n, n, n),
        // MLP forward: Y[B x out] = X[B x in] * W[out x in]^T
        new("mlp.fc1.fwd", false, true, 128, 256, 784),
        new("mlp.fc2.fwd", false, true, 128, 128, 256),
        new("mlp.fc3.fwd", false, true, 128, 10, 128),
        // MLP backward: dX[B x in] = dY[B x out] * W[out x in]
        new("mlp.fc1.dX", false, false, 128, 784, 256),
        new("mlp.fc2.dX", false, false, 128, 256, 128),
        new("mlp.fc3.dX", false, false, 128, 128, 10),
        // MLP backward: dW[out x in] = dY^T[out x B] * X[B x in]
        new("mlp.fc1.dW", true, false, 256, 784, 128),
        new("mlp.fc2.dW", true, false, 128, 256, 128),
        new("mlp.fc3.dW", true, false, 10, 128, 128),
        // CNN via im2col (batch 128): forward Y[Cout x B*HW] = W[Cout x Cin*9] * cols[Cin*9 x B*HW],
        // input gradient dCols = W^T * dY, weight gradient dW = dY * cols^T
        new("cnn.conv1.fwd", false, false, 32, 676 * 128, 9),
        new("cnn.conv1.dW", false, true, 32, 9, 676 * 128),
        new("cnn.conv2.fwd", false, false, 64, 121 * 128, 288),
        new("cnn.conv2.dX", true, false, 288, 121 * 128, 64),
        new("cnn.conv2.dW", false, true, 64, 288, 121 * 128),
    ];

    public static int Run(string[] args)
    {
        int n = 1024, iters = 0, threads = CpuParallel.DegreeOfParallelism;
        var device = Device.Cpu;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--iters": iters = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--device": device = Device.Parse(args[++i]); break;
                default: n = int.Parse(args[i], CultureInfo.InvariantCulture); break;
            }
        }
        if (device != Device.Cpu)
            return DeviceGemmBenchmark.Run(n, device, iters);
        CpuParallel.SetThreads(threads);
        Console.WriteLine($"sgemm  threads={threads}  isa={(Vector512Available() ? "avx512" : "avx2/scalar")}  " +
                          $"cpus={Environment.ProcessorCount}");

        double squareGflops = 0;
        foreach (var s in Shapes(n))
        {
            var (best, median) = Measure(s, iters);
            if (s.Name == $"square{n}.NN")
                squareGflops = best;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Name,-14} {(s.TransA ? 'T' : 'N')}{(s.TransB ? 'T' : 'N')} M={s.M,-5} N={s.N,-6} K={s.K,-5} " +
                $"{best,8:F1} GFLOP/s  (median {median:F1})"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {{\"bench\":\"gemm\",\"n\":{n},\"gflops\":{squareGflops:F1},\"threads\":{threads}}}"));
        return 0;
    }

    private static bool Vector512Available() => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

    private static (double Best, double Median) Measure(Shape s, int iters)
    {
        nint aLen = (nint)s.M * s.K, bLen = (nint)s.K * s.N, cLen = (nint)s.M * s.N;
        float* a = Alloc(aLen), b = Alloc(bLen), c = Alloc(cLen);
        try
        {
            var rng = new Random(42);
            for (nint i = 0; i < aLen; i++) a[i] = (float)rng.NextDouble() - 0.5f;
            for (nint i = 0; i < bLen; i++) b[i] = (float)rng.NextDouble() - 0.5f;
            int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;

            void Call() => Gemm.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, a, lda, b, ldb, c, s.N, accumulate: false);

            // Warm up (tier-up of the JIT, pool threads, scratch buffers) for ~0.2 s.
            var warm = Stopwatch.StartNew();
            int calls = 0;
            while (warm.Elapsed.TotalSeconds < 0.2 || calls < 3)
            {
                Call();
                calls++;
            }
            if (iters <= 0)
                iters = Math.Max(3, (int)(calls * 0.15 / warm.Elapsed.TotalSeconds));

            double flop = 2.0 * s.M * s.N * s.K * iters;
            var trials = new double[5];
            for (int t = 0; t < trials.Length; t++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < iters; i++)
                    Call();
                trials[t] = flop / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
            }
            Array.Sort(trials);
            return (trials[^1], trials[trials.Length / 2]);
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }

    private static float* Alloc(nint count) => (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
}
