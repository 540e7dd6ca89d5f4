using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

/// <summary>
/// Recycles one accelerator's device buffers by (dtype, length), as CpuBufferPool does for host arrays: a training
/// step asks for the same sizes every time, and device allocation (cuMemAlloc) is slow and synchronising. Buffers
/// past the idle budget are disposed at once, so device memory is freed deterministically, never by the GC. Each
/// size keeps its idle buffers in an array-backed stack under a lock: a ConcurrentStack would allocate a node on
/// every return, i.e. host garbage for every tensor of every step.
/// </summary>
internal sealed class IlgpuBufferPool : IDisposable
{
    private const int MaxIdlePerLength = 64;

    private readonly Accelerator _accelerator;
    private readonly ConcurrentDictionary<(DType, int), Stack<MemoryBuffer>> _idle = new();
    private long _idleBytes;
    private long _liveBuffers;
    private bool _disposed;

    public IlgpuBufferPool(Accelerator accelerator)
    {
        _accelerator = accelerator;
        // A quarter of the device's memory may sit idle (the CPU accelerator reports host memory).
        MaxIdleBytes = Math.Min(accelerator.MemorySize / 4, 4L << 30);
    }

    public long MaxIdleBytes { get; set; }

    public long IdleBytes => Interlocked.Read(ref _idleBytes);

    /// <summary>Buffers handed out and not yet returned (tests check that storages give theirs back).</summary>
    public long LiveBuffers => Interlocked.Read(ref _liveBuffers);

    public MemoryBuffer Rent(DType dtype, int length)
    {
        Interlocked.Increment(ref _liveBuffers);
        if (_idle.TryGetValue((dtype, length), out var stack))
        {
            MemoryBuffer? buffer;
            lock (stack)
            {
                stack.TryPop(out buffer);
            }

            if (buffer is not null)
            {
                Interlocked.Add(ref _idleBytes, -Bytes(dtype, length));
                return buffer;
            }
        }

        // ILGPU rejects empty buffers: an empty tensor still owns one element that no kernel reads.
        long allocate = Math.Max(length, 1);
        return dtype switch
        {
            DType.Float32 => _accelerator.Allocate1D<float>(allocate),
            DType.Float64 => _accelerator.Allocate1D<double>(allocate),
            DType.Int64 => _accelerator.Allocate1D<long>(allocate),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
        };
    }

    public void Return(DType dtype, int length, MemoryBuffer buffer)
    {
        Interlocked.Decrement(ref _liveBuffers);
        long bytes = Bytes(dtype, length);
        if (_disposed || Interlocked.Read(ref _idleBytes) + bytes > MaxIdleBytes)
        {
            buffer.Dispose();
            return;
        }

        var stack = _idle.GetOrAdd((dtype, length), static _ => new Stack<MemoryBuffer>());
        bool kept;
        lock (stack)
        {
            kept = stack.Count < MaxIdlePerLength;
            if (kept) stack.Push(buffer);
        }

        if (kept) Interlocked.Add(ref _idleBytes, bytes);
        else buffer.Dispose();
    }

    /// <summary>Frees every idle buffer (tests, memory pressure).</summary>
    public void Clear()
    {
        foreach (var stack in _idle.Values)
        {
            lock (stack)
            {
                while (stack.TryPop(out var buffer))
                {
                    buffer.Dispose();
                }
            }
        }

        Interlocked.Exchange(ref _idleBytes, 0);
    }

    public void Dispose()
    {
        _disposed = true;
        Clear();
    }

    private static long Bytes(DType dtype, int length) => (long)Math.Max(length, 1) * dtype.SizeOf();
}
