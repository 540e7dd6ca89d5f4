using System.Diagnostics;
using System.Globalization;
using Autograd.Backends;
using Autograd.Backends.Ilgpu;

namespace Autograd.Bench;

/// <summary>
/// <c>gemm N --device cuda|opencl|ilgpu-cpu</c>: float32 GEMM through a device backend's primitive, square N^3 in the
/// four transposition variants. Launches are asynchronous, so each trial ends with a device synchronisation.
/// </summary>
internal static class DeviceGemmBenchmark
{
    public static int Run(int n, Device device, int iters)
    {
        using var a = Tensor.Randn([n, n], DType.Float32, device);
        using var b = Tensor.Randn([n, n], DType.Float32, device);
        using var c = Tensor.Zeros([n, n], DType.Float32, device);
        var backend = a.Backend;
        Console.WriteLine($"sgemm  device={device}  n={n}");
        double squareGflops = 0;
        foreach (var (transA, transB) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            void Once() => backend.Gemm(transA, transB, n, n, n, a.Storage, 0, n, 0, b.Storage, 0, n, 0, c.Storage, 0, n, 0, 1, accumulate: false);
            Once();
            Synchronize(backend);
            int count = iters > 0 ? iters : Calibrate(Once, backend);
            var trials = new List<double>();
            for (int trial = 0; trial < 5; trial++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < count; i++) Once();
                Synchronize(backend);
                trials.Add(2.0 * n * n * n * count / clock.Elapsed.TotalSeconds / 1e9);
            }

            trials.Sort();
            string name = $"square{n}.{(transA ? 'T' : 'N')}{(transB ? 'T' : 'N')}";
            if (!transA && !transB) squareGflops = trials[^1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-14} {trials[^1],8:F3} GFLOP/s  (median {trials[2]:F3})"));
        }

        // The reference CNN's convolution GEMMs at batch 128 (few output tiles, long K: the split-K shapes).
        foreach (var (name, m, nn, k, transB) in new[]
        {
            ("conv1.dW", 32, 9, 128 * 26 * 26, true),
            ("conv2.dW", 64, 288, 128 * 11 * 11, true),
            ("conv2.fwd", 64, 128 * 11 * 11, 288, false),
        })
        {
            using var sa = Tensor.Randn([m * k], DType.Float32, device);
            using var sb = Tensor.Randn([k * nn], DType.Float32, device);
            using var sc = Tensor.Zeros([m * nn], DType.Float32, device);
            void Shape() => backend.Gemm(false, transB, m, nn, k, sa.Storage, 0, k, 0, sb.Storage, 0, transB ? k : nn, 0, sc.Storage, 0, nn, 0, 1, accumulate: false);
            Shape();
            Synchronize(backend);
            int count = iters > 0 ? iters : Calibrate(Shape, backend);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) Shape();
            Synchronize(backend);
            double ms = clock.Elapsed.TotalMilliseconds / count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-14} {m}x{nn}x{k}  {ms,8:F3} ms  {2.0 * m * nn * k / ms / 1e6,8:F1} GFLOP/s"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {{\"bench\":\"gemm\",\"n\":{n},\"gflops\":{squareGflops:F1},\"device\":\"{device}\"}}"));
        return 0;
    }

    /// <summary>Calls per trial so that one trial takes about 0.2 s.</summary>
    private static int Calibrate(Action once, IBackend backend)
    {
        var clock = Stopwatch.StartNew();
        int calls = 0;
        while (clock.Elapsed.TotalSeconds < 0.05)
        {
            once();
            Synchronize(backend);
            calls++;
        }

        return Math.Max(1, (int)(calls * 0.2 / clock.Elapsed.TotalSeconds));
    }

    private static void Synchronize(IBackend backend)
    {
        if (backend is IlgpuBackend ilgpu) ilgpu.Synchronize();
    }
}
