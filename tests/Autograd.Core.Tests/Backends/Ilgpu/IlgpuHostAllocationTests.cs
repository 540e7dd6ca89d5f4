using Autograd;
using Autograd.Backends;
using Autograd.Backends.Ilgpu;
using Autograd.NN;
using Autograd.Optim;
using ILGPU;
using ILGPU.Runtime;
using Xunit;
using F = Autograd.NN.Functional;

namespace Autograd.Tests.Backends.Ilgpu;

/// <summary>
/// Host (managed) garbage of the ILGPU backend. Two parts allocate on the host: our launch code, which must
/// allocate nothing, and ILGPU itself. ILGPU's share, measured here rather than assumed: its CPU simulator's launcher
/// boxes every launch's arguments into a task object (a fixed size per kernel signature; CUDA's launcher packs them
/// on the stack), each host copy wraps the host span in a small buffer object, and the simulator's worker threads
/// allocate a host buffer for every LocalMemory/SharedMemory allocation of every group they run. None of it depends
/// on tensor sizes once our GEMM walks its tiles with a bounded grid.
/// </summary>
[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuHostAllocationTests
{
    private const int Repeats = 32;

    public static TheoryData<string, string> DevicesAndPrimitives
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var device in new[] { IlgpuTargets.IlgpuCpu, IlgpuTargets.Cuda })
            {
                foreach (var primitive in new[] { "unary", "binary_broadcast", "reduce_rows", "strided_copy", "gemm", "adam", "fill_random" })
                    data.Add(device, primitive);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(DevicesAndPrimitives))]
    public void Primitive_Warm_AllocatesNothingBeyondIlgpusOwnLaunchOrCopy(string target, string primitive)
    {
        // Our part = (bytes of the backend call) - (bytes of the same ILGPU launcher or copy invoked directly with
        // arguments of the same types, computed beforehand): shape bookkeeping, layouts, launch arguments, host
        // staging are all ours and must come to zero.
        var backend = (IlgpuBackend)BackendRegistry.For(IlgpuTargets.Require(target));
        const int rows = 64, cols = 96, n = rows * cols;
        var x = backend.Allocate(DType.Float32, n);
        var y = backend.Allocate(DType.Float32, n);
        var bias = backend.Allocate(DType.Float32, cols);
        var w = backend.Allocate(DType.Float32, cols * cols);
        var states = Enumerable.Range(0, 3).Select(_ => backend.Allocate(DType.Float32, cols * cols)).ToArray();
        var host = new float[n];
        try
        {
            foreach (var s in new[] { x, y, bias, w }.Concat(states)) backend.Fill(s, 0.25);
            var (ours, ilgpus) = Launches(backend, primitive, x, y, bias, w, states, host);
            long backendBytes = CallerBytesPerCall(ours, backend);
            long ilgpuBytes = CallerBytesPerCall(ilgpus, backend);
            Assert.True(
                backendBytes <= ilgpuBytes,
                $"{primitive} on {backend.Device}: the backend call allocates {backendBytes} B per call on the calling thread, ILGPU's own launch or copy alone {ilgpuBytes} B: {backendBytes - ilgpuBytes} B per call are ours");
        }
        finally
        {
            foreach (var s in new[] { x, y, bias, w }.Concat(states)) s.RemoveReference();
        }
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void BufferPool_WarmRentAndReturn_AllocatesNothing(string target)
    {
        // Every tensor of every step rents and returns a device buffer: returning must not allocate (a
        // ConcurrentStack would, one node per push).
        var pool = ((IlgpuBackend)BackendRegistry.For(IlgpuTargets.Require(target))).Pool;
        var warm = new[] { pool.Rent(DType.Float32, 1000), pool.Rent(DType.Float32, 1000) };
        foreach (var buffer in warm) pool.Return(DType.Float32, 1000, buffer);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Repeats; i++)
        {
            var a = pool.Rent(DType.Float32, 1000);
            var b = pool.Rent(DType.Float32, 1000);
            pool.Return(DType.Float32, 1000, b);
            pool.Return(DType.Float32, 1000, a);
        }

        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(bytes == 0, $"{Repeats} warm rent/return pairs allocated {bytes} B on the host");
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void TrainingStep_Warm_HostBytesDoNotGrowWithTensorSizes(string target)
    {
        // The same MLP + Adam step at two sizes (~15x the parameter bytes, 8x the input). Calling thread: our code,
        // the engine's per-op objects (tensors, graph nodes) and ILGPU's launcher boxes: the same count of each at
        // both sizes. All threads: plus the simulator's worker threads (a constant per launch with a bounded grid;
        // before, the GEMM's one-group-per-tile launch made them allocate ~5 MB per 784-256-128-10 step).
        var device = IlgpuTargets.Require(target);
        var small = MeasureStep(device, inputs: 32, hidden: 16);
        var large = MeasureStep(device, inputs: 256, hidden: 128);

        Assert.True(
            Math.Abs(large.CallerBytes - small.CallerBytes) <= 256,
            $"calling thread: {small.CallerBytes} B per step at {small.TensorBytes} B of tensors, {large.CallerBytes} B at {large.TensorBytes} B");
        Assert.True(
            large.CallerBytes * 25 < large.TensorBytes,
            $"calling thread: {large.CallerBytes} B per step is not far below the step's {large.TensorBytes} B of tensors");
        // All-thread counts also see runtime background work (tiered JIT, finalizers), seen once at 134 KB against
        // 56 KB; the regression this guards against (a group per GEMM tile) was 935 KB against 67 KB.
        Assert.True(
            large.AllBytes <= (small.AllBytes * 3) + (192 << 10),
            $"all threads (incl. {device}'s workers): {small.AllBytes} B per step at {small.TensorBytes} B of tensors, {large.AllBytes} B at {large.TensorBytes} B");
        Assert.True(
            large.AllBytes * 5 < large.TensorBytes,
            $"all threads: {large.AllBytes} B per step is not far below the step's {large.TensorBytes} B of tensors");
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void To_AcrossTheHost_CopiesWithoutAHostArrayOfTheTensor(string target)
    {
        // A CPU side is read or written in place: moving a 256 KB batch costs a few objects, not a 256 KB array.
        var device = IlgpuTargets.Require(target);
        var values = Enumerable.Range(0, 256 * 256).Select(i => (float)(i % 97)).ToArray();
        using var cpu = Tensor.From(values, [256, 256]);
        for (int i = 0; i < 3; i++)
        {
            using var warm = cpu.To(device);
            using var back = warm.To(Device.Cpu);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var onDevice = cpu.To(device);
        using var onHost = onDevice.To(Device.Cpu);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(bytes < 4096, $"cpu -> {device} -> cpu of a 256 KB tensor allocated {bytes} B on the host");
        Assert.Equal(values, onHost.ToArray());
    }

    [Fact]
    public void To_BetweenTwoDevices_StagesThroughAPooledHostArray()
    {
        // No CPU side: the bytes pass through a pooled array, so a warm move allocates no array of the tensor's size.
        var wide = IlgpuTargets.Require(IlgpuTargets.WideSimulator);
        var values = Enumerable.Range(0, 128 * 128).Select(i => i * 0.5).ToArray();
        using var source = Tensor.From(values, [128, 128], device: Device.IlgpuCpu);
        for (int i = 0; i < 3; i++)
        {
            using var warm = source.To(wide);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var moved = source.To(wide);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(wide, moved.Device);
        Assert.True(bytes < 4096, $"{Device.IlgpuCpu} -> {wide} of a 128 KB tensor allocated {bytes} B on the host");
        Assert.Equal(values, moved.ToArray<double>());
    }

    /// <summary>The backend call and the bare ILGPU launch or copy it makes (same kernel, argument types and sizes).</summary>
    private static (Action Ours, Action Ilgpus) Launches(IlgpuBackend b, string primitive, Storage x, Storage y, Storage bias, Storage w, Storage[] states, float[] host)
    {
        const int rows = 64, cols = 96, n = rows * cols;
        var sx = b.Of(x);
        var sy = b.Of(y);
        var stream = b.Accelerator.DefaultStream;
        var grid = b.Grid(n);
        int[] yShape = [rows, cols], biasShape = [cols];
        switch (primitive)
        {
            case "unary":
                {
                    var launch = Launcher<Action<KernelConfig, int, int, float, float, ArrayView<float>, ArrayView<float>>>(b, "unary");
                    return (() => b.Unary(UnaryOp.Relu, x, y, 0, 0), () => launch(grid, n, (int)UnaryOp.Relu, 0f, 0f, sx.View<float>(), sy.View<float>()));
                }

            case "binary_broadcast":
                {
                    var launch = Launcher<Action<KernelConfig, int, int, StridedLayout, ArrayView<float>, ArrayView<float>, ArrayView<float>>>(b, "binary");
                    Assert.True(StridedLayout.TryCreate(yShape, StridedLayout.BroadcastStrides(yShape, yShape), StridedLayout.BroadcastStrides(biasShape, yShape), default, out var layout));
                    var sb = b.Of(bias);
                    return (() => b.Binary(BinaryOp.Add, x, yShape, bias, biasShape, y, yShape), () => launch(grid, n, (int)BinaryOp.Add, layout, sx.View<float>(), sb.View<float>(), sy.View<float>()));
                }

            case "reduce_rows":
                {
                    var launch = Launcher<Action<KernelConfig, int, int, int, ArrayView<float>, ArrayView<float>>>(b, "reduce_rows");
                    var sb = b.Of(bias);
                    var config = new KernelConfig(1, b.GroupSize);
                    // [cols, rows] rows of 64: long enough for the one-group-per-row kernel.
                    return (() => b.Reduce(ReduceOp.Sum, x, cols, rows, 1, bias), () => launch(config, cols, rows, (int)ReduceOp.Sum, sx.View<float>(), sb.View<float>()));
                }

            case "strided_copy":
                {
                    var launch = Launcher<Action<KernelConfig, int, StridedLayout, int, ArrayView<float>, int, ArrayView<float>, int>>(b, "strided_copy");
                    int[] shape = [cols, rows], src = [1, cols], dst = [rows, 1];
                    Assert.True(StridedLayout.TryCreate(shape, src, dst, default, out var layout));
                    return (() => b.StridedCopy(x, 0, src, y, 0, dst, shape, accumulate: false), () => launch(grid, n, layout, 0, sx.View<float>(), 0, sy.View<float>(), 0));
                }

            case "gemm":
                {
                    var launch = Launcher<Action<KernelConfig, GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>>(b, b.GemmThreads == GemmKernels.WideThreads ? "gemm_wide" : "gemm_narrow");
                    var sw = b.Of(w);
                    var args = new GemmArgs { Batch = 1, M = rows, N = cols, K = cols, TransB = 1, Lda = cols, Ldb = cols, Ldc = cols };
                    var config = new KernelConfig(new Index3D(1, 1, 1), new Index3D(b.GemmThreads, b.GemmThreads, 1));
                    return (
                        () => b.Gemm(false, true, rows, cols, cols, x, 0, cols, 0, w, 0, cols, 0, y, 0, cols, 0, 1, accumulate: false),
                        () => launch(config, args, sx.View<float>(), sw.View<float>(), sy.View<float>()));
                }

            case "adam":
                {
                    var launch = Launcher<Action<KernelConfig, int, AdamArgs<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>>(b, "adam");
                    var p = new AdamParameters(1e-3, 0.9, 0.999, 1e-8, 0, Decoupled: false, Amsgrad: false, Step: 3, Maximize: false);
                    var views = new[] { w }.Concat(states).Select(s => b.Of(s).View<float>()).ToArray();
                    var adamGrid = b.Grid(cols * cols);
                    return (
                        () => b.AdamStep(w, states[0], states[1], states[2], null, p),
                        () => launch(adamGrid, cols * cols, default, views[0], views[1], views[2], views[3], views[3]));
                }

            case "fill_random":
                {
                    // Host-side generation then one upload: the upload's span wrapper is ILGPU's, the host values must
                    // come from a pooled array.
                    var generator = new Generator(5);
                    return (() => b.FillRandom(y, RandomKind.Normal, generator, 0, 1), () => b.Upload<float>(host, y));
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(primitive), primitive, "unknown primitive");
        }

        TLauncher Launcher<TLauncher>(IlgpuBackend backend, string name)
            where TLauncher : Delegate
        {
            // Loaded by a warm-up call through the backend, so the test launches exactly the backend's cached kernel.
            Warm(primitive, backend, x, y, bias, w, states);
            return backend.Kernels.Get<TLauncher>(name, typeof(float), _ => throw new InvalidOperationException($"kernel {name} was not loaded by the backend call"));
        }
    }

    private static void Warm(string primitive, IlgpuBackend b, Storage x, Storage y, Storage bias, Storage w, Storage[] states)
    {
        const int rows = 64, cols = 96;
        switch (primitive)
        {
            case "unary": b.Unary(UnaryOp.Relu, x, y, 0, 0); break;
            case "binary_broadcast": b.Binary(BinaryOp.Add, x, [rows, cols], bias, [cols], y, [rows, cols]); break;
            case "reduce_rows": b.Reduce(ReduceOp.Sum, x, cols, rows, 1, bias); break;
            case "strided_copy": b.StridedCopy(x, 0, [1, cols], y, 0, [rows, 1], [cols, rows], accumulate: false); break;
            case "gemm": b.Gemm(false, true, rows, cols, cols, x, 0, cols, 0, w, 0, cols, 0, y, 0, cols, 0, 1, accumulate: false); break;
            case "adam": b.AdamStep(w, states[0], states[1], states[2], null, new AdamParameters(1e-3, 0.9, 0.999, 1e-8, 0, false, false, 1, false)); break;
        }
    }

    /// <summary>Bytes allocated on this thread per call, after warm-up calls (first-use caches, JIT).</summary>
    private static long CallerBytesPerCall(Action call, IlgpuBackend backend)
    {
        for (int i = 0; i < 3; i++) call();
        backend.Synchronize();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Repeats; i++) call();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        backend.Synchronize();
        return bytes / Repeats;
    }

    private static StepBytes MeasureStep(Device device, int inputs, int hidden)
    {
        const int batch = 64, steps = 3;
        Tensor.ManualSeed(7);
        var model = new Sequential(new Linear(inputs, hidden), new ReLU(), new Linear(hidden, hidden / 2), new ReLU(), new Linear(hidden / 2, 10));
        model.To(device);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        using var x = Tensor.Randn([batch, inputs]).To(device);
        using var y = Tensor.From(Enumerable.Range(0, batch).Select(i => (long)(i % 10)).ToArray(), [batch], device);

        void Step()
        {
            using var scope = new TensorScope();
            optimizer.ZeroGrad();
            var loss = F.CrossEntropy(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
            loss.Item();
        }

        for (int i = 0; i < 3; i++) Step();

        // The least of three rounds: other threads' background work only ever adds to a round.
        long callerBytes = long.MaxValue, allBytes = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long caller = GC.GetAllocatedBytesForCurrentThread();
            long all = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < steps; i++) Step();
            callerBytes = Math.Min(callerBytes, (GC.GetAllocatedBytesForCurrentThread() - caller) / steps);
            allBytes = Math.Min(allBytes, (GC.GetTotalAllocatedBytes(precise: true) - all) / steps);
        }

        // Parameters, their gradients and Adam's two states, plus the input: what a step touches at the least.
        long parameterBytes = model.Parameters().Sum(p => (long)p.Numel * sizeof(float));
        return new StepBytes(callerBytes, allBytes, (4 * parameterBytes) + ((long)x.Numel * sizeof(float)));
    }

    private readonly record struct StepBytes(long CallerBytes, long AllBytes, long TensorBytes);
}
