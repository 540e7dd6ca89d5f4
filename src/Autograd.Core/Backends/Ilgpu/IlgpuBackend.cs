using System.Buffers;
using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

/// <summary>
/// The primitives of <see cref="IBackend"/> as ILGPU kernels on one accelerator (CUDA, OpenCL or ILGPU's CPU
/// simulator). Work is queued on the accelerator's default stream in call order, so the host waits only where it
/// reads values back (<see cref="Download{T}"/>, <see cref="SumOfSquares"/>). One instance per device, made by
/// <see cref="BackendRegistry"/>.
/// </summary>
internal sealed partial class IlgpuBackend : IBackend, IDisposable
{
    private static readonly ConcurrentDictionary<Device, IlgpuBackend> Live = new();

    /// <summary>[code, index, dimension size] of the first out-of-range index a kernel met (0 = none).</summary>
    private readonly MemoryBuffer1D<long, Stride1D.Dense> _indexErrors;
    private readonly int _groupSize;
    private readonly int _maxGroups;
    private bool _disposed;

    private IlgpuBackend(Device device, Accelerator accelerator)
    {
        Device = device;
        Accelerator = accelerator;
        Kernels = new KernelCache(accelerator);
        Pool = new IlgpuBufferPool(accelerator);
        _indexErrors = accelerator.Allocate1D<long>(3);
        _indexErrors.MemSetToZero();
        _groupSize = Math.Min(256, accelerator.MaxNumThreadsPerGroup);
        // Grid-stride loops: enough groups to fill every multiprocessor a few times over, never one group per
        // element (the CPU simulator pays per group, a GPU gains nothing past full occupancy).
        int groupsPerMultiprocessor = Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor / _groupSize);
        _maxGroups = Math.Max(1, accelerator.NumMultiprocessors * groupsPerMultiprocessor * 4);
        GemmThreads = accelerator.MaxNumThreadsPerGroup >= GemmKernels.WideThreads * GemmKernels.WideThreads
            ? GemmKernels.WideThreads
            : GemmKernels.NarrowThreads;
    }

    public Device Device { get; }

    public Accelerator Accelerator { get; }

    internal KernelCache Kernels { get; }

    internal IlgpuBufferPool Pool { get; }

    /// <summary>Threads per side of a GEMM tile: 16 on GPUs, 4 on the CPU simulator (16 threads per group).</summary>
    internal int GemmThreads { get; }

    private AcceleratorStream Stream => Accelerator.DefaultStream;

    /// <summary>The backend of <paramref name="device"/>; throws when ILGPU has no such device.</summary>
    public static IlgpuBackend Create(Device device)
    {
        var ilgpuDevice = IlgpuRuntime.Find(device)
            ?? throw new NotSupportedException($"device {device} is not available; available devices: cpu, {string.Join(", ", IlgpuRuntime.Devices)}");
        return Create(device, ilgpuDevice);
    }

    /// <summary>
    /// A backend named <paramref name="device"/> on an explicit ILGPU device, for <see cref="BackendRegistry.Register"/>:
    /// e.g. a CPU simulator shaped like a GPU (256 threads per group) so GPU-sized tiles run without a GPU.
    /// </summary>
    public static IlgpuBackend Create(Device device, ILGPU.Runtime.Device ilgpuDevice)
    {
        var backend = new IlgpuBackend(device, ilgpuDevice.CreateAccelerator(IlgpuRuntime.Context));
        Live[device] = backend;
        return backend;
    }

    /// <summary>Releases every accelerator (process exit).</summary>
    internal static void DisposeAll()
    {
        foreach (var backend in Live.Values) backend.Dispose();
        Live.Clear();
    }

    public Storage Allocate(DType dtype, int length) => new IlgpuStorage(this, dtype, length);

    public void Upload<T>(ReadOnlySpan<T> source, Storage destination)
        where T : unmanaged => UploadRange(source, destination, 0);

    public void Download<T>(Storage source, Span<T> destination)
        where T : unmanaged => DownloadRange(source, 0, destination);

    public void UploadRange<T>(ReadOnlySpan<T> source, Storage destination, int offset)
        where T : unmanaged
    {
        // CopyFromCPU synchronises the stream, so the span may be reused as soon as this returns.
        if (source.Length > 0) Of(destination).Dense<T>().SubView(offset, source.Length).CopyFromCPU(Stream, source);
    }

    public void DownloadRange<T>(Storage source, int offset, Span<T> destination)
        where T : unmanaged
    {
        if (destination.Length > 0) Of(source).Dense<T>().SubView(offset, destination.Length).CopyToCPU(Stream, destination);
        Stream.Synchronize();
        ThrowPendingIndexError();
    }

    /// <summary>Waits for every queued kernel (benchmarks time with it).</summary>
    public void Synchronize()
    {
        Stream.Synchronize();
        ThrowPendingIndexError();
    }

    public void Fill(Storage storage, double value)
    {
        var s = Of(storage);
        switch (s.DType)
        {
            case DType.Float32: FillCore<float, Float32Math>(s, value); break;
            case DType.Float64: FillCore<double, Float64Math>(s, value); break;
            default: FillCore<long, Int64Element>(s, value); break;
        }
    }

    public void Cast(Storage source, Storage destination)
    {
        var src = Of(source);
        var dst = Of(destination);
        switch (src.DType)
        {
            case DType.Float32: CastFrom<float, Float32Math>(src, dst); break;
            case DType.Float64: CastFrom<double, Float64Math>(src, dst); break;
            default: CastFrom<long, Int64Element>(src, dst); break;
        }
    }

    /// <summary>
    /// Draws on the host from <paramref name="generator"/> with the CPU backend's formulas and uploads, so a seed
    /// gives the same values on every device.
    /// </summary>
    public void FillRandom(Storage storage, RandomKind kind, Generator generator, double a, double b)
    {
        if (storage.DType == DType.Float32) FillRandomCore<float>(storage, kind, generator, a, b, static v => (float)v);
        else if (storage.DType == DType.Float64) FillRandomCore<double>(storage, kind, generator, a, b, static v => v);
        else throw new NotSupportedException($"random values of dtype {storage.DType.TorchName()}");
    }

    public double SumOfSquares(Storage x)
    {
        var s = Of(x);
        return s.DType switch
        {
            DType.Float32 => SumOfSquaresCore<float, Float32Math>(s),
            DType.Float64 => SumOfSquaresCore<double, Float64Math>(s),
            _ => throw new NotSupportedException("SumOfSquares of an integer tensor"),
        };
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Pool.Dispose();
        _indexErrors.Dispose();
        Accelerator.Dispose();
    }

    internal IlgpuStorage Of(Storage storage)
    {
        if (storage is IlgpuStorage s && ReferenceEquals(s.Backend, this)) return s;
        // The backstop for an op path without its own CheckSameDevice: still names both devices.
        throw new ArgumentException($"expected all tensors to be on the same device, but found at least two devices, {Device} and {storage.Device}");
    }

    /// <summary>A 1-D launch for a grid-stride loop over <paramref name="n"/> items.</summary>
    internal KernelConfig Grid(long n)
    {
        long groups = Math.Min((n + _groupSize - 1) / _groupSize, _maxGroups);
        return new KernelConfig((int)Math.Max(groups, 1), _groupSize);
    }

    /// <summary>Where index kernels report an out-of-range index (checked at the next host read, as CUDA's device asserts).</summary>
    internal ArrayView<long> IndexErrors => _indexErrors.View.AsContiguous();

    /// <summary>Group size of the 1-D launches (a power of two: reductions halve it).</summary>
    internal int GroupSize => _groupSize;

    private void FillCore<T, TElem>(IlgpuStorage s, double value)
        where T : unmanaged
        where TElem : struct, IElement<T>
    {
        if (s.Length == 0) return;
        var kernel = Kernels.Get("fill", typeof(T), static a => a.LoadStreamKernel<int, double, ArrayView<T>>(CopyKernels.Fill<T, TElem>));
        kernel(Grid(s.Length), s.Length, value, s.View<T>());
    }

    private void CastFrom<TFrom, TFromElem>(IlgpuStorage src, IlgpuStorage dst)
        where TFrom : unmanaged
        where TFromElem : struct, IElement<TFrom>
    {
        switch (dst.DType)
        {
            case DType.Float32: CastCore<TFrom, TFromElem, float, Float32Math>(src, dst); break;
            case DType.Float64: CastCore<TFrom, TFromElem, double, Float64Math>(src, dst); break;
            default: CastCore<TFrom, TFromElem, long, Int64Element>(src, dst); break;
        }
    }

    private void CastCore<TFrom, TFromElem, TTo, TToElem>(IlgpuStorage src, IlgpuStorage dst)
        where TFrom : unmanaged
        where TFromElem : struct, IElement<TFrom>
        where TTo : unmanaged
        where TToElem : struct, IElement<TTo>
    {
        int n = src.Length;
        if (n == 0) return;
        var kernel = Kernels.Get("cast", typeof(ValueTuple<TFrom, TTo>), static a => a.LoadStreamKernel<int, ArrayView<TFrom>, ArrayView<TTo>>(CopyKernels.Cast<TFrom, TFromElem, TTo, TToElem>));
        kernel(Grid(n), n, src.View<TFrom>(), dst.View<TTo>());
    }

    private void FillRandomCore<T>(Storage storage, RandomKind kind, Generator generator, double a, double b, Func<double, T> convert)
        where T : unmanaged
    {
        var host = ArrayPool<T>.Shared.Rent(storage.Length);
        try
        {
            for (int i = 0; i < storage.Length; i++)
            {
                double v = kind switch
                {
                    RandomKind.Uniform => a + ((b - a) * generator.NextDouble()),
                    RandomKind.Normal => a + (b * generator.NextNormal()),
                    _ => generator.NextDouble() < a ? 1 : 0,
                };
                host[i] = convert(v);
            }

            Upload<T>(host.AsSpan(0, storage.Length), storage);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(host);
        }
    }

    private double SumOfSquaresCore<T, TNum>(IlgpuStorage s)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        var result = Allocate(s.DType, 1);
        try
        {
            var r = Of(result);
            Fill(r, 0);
            if (s.Length > 0)
            {
                var kernel = Kernels.Get("sumsq", typeof(T), static a => a.LoadStreamKernel<int, ArrayView<T>, ArrayView<T>>(ReduceKernels.SumOfSquares<T, TNum>));
                kernel(Grid(s.Length), s.Length, s.View<T>(), r.View<T>());
            }

            Span<T> host = stackalloc T[1];
            Download<T>(r, host);
            return default(TNum).ToDouble(host[0]);
        }
        finally
        {
            result.RemoveReference();
        }
    }

    private void ThrowPendingIndexError()
    {
        Span<long> error = stackalloc long[3];
        _indexErrors.View.CopyToCPU(Stream, error);
        if (error[0] == 0) return;
        _indexErrors.MemSetToZero(Stream);
        Stream.Synchronize();
        string op = error[0] switch { 1 => "index_select", 2 => "index_add", 3 => "gather", 4 => "scatter_add", _ => "index" };
        throw new ArgumentOutOfRangeException("index", error[1], $"{op}: index {error[1]} is out of bounds for dimension with size {error[2]} (reported by a {Device} kernel at the next read)");
    }
}
