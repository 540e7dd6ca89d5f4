using System.Collections.Concurrent;

namespace Autograd.Backends.Cpu;

/// <summary>
/// Recycles the pinned arrays behind CPU tensors, keyed by exact length: a training step asks for the same sizes
/// every time, so after the first step it allocates nothing proportional to tensor sizes. Arrays are pinned
/// (pinned object heap) so kernels can hold raw pointers without <c>fixed</c> blocks.
/// </summary>
internal static class CpuBufferPool
{
    /// <summary>Upper bound of bytes kept idle in the pool; past it, returned arrays are left to the GC.</summary>
    public static long MaxIdleBytes { get; set; } = 1L << 30;

    private const int MaxIdlePerLength = 256;

    private static readonly ConcurrentDictionary<(DType, int), ConcurrentStack<Array>> Idle = new();
    private static long _idleBytes;

    public static long IdleBytes => Interlocked.Read(ref _idleBytes);

    public static Array Rent(DType dtype, int length)
    {
        if (Idle.TryGetValue((dtype, length), out var stack) && stack.TryPop(out var array))
        {
            Interlocked.Add(ref _idleBytes, -(long)length * dtype.SizeOf());
            return array;
        }

        return dtype switch
        {
            DType.Float32 => GC.AllocateUninitializedArray<float>(length, pinned: true),
            DType.Float64 => GC.AllocateUninitializedArray<double>(length, pinned: true),
            DType.Int64 => GC.AllocateUninitializedArray<long>(length, pinned: true),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
    }

    public static void Return(DType dtype, Array array)
    {
        long bytes = (long)array.Length * dtype.SizeOf();
        if (Interlocked.Read(ref _idleBytes) + bytes > MaxIdleBytes) return;
        var stack = Idle.GetOrAdd((dtype, array.Length), static _ => new ConcurrentStack<Array>());
        if (stack.Count >= MaxIdlePerLength) return;
        stack.Push(array);
        Interlocked.Add(ref _idleBytes, bytes);
    }

    /// <summary>Drops every idle array (tests and memory-pressure callers).</summary>
    public static void Clear()
    {
        Idle.Clear();
        Interlocked.Exchange(ref _idleBytes, 0);
    }
}
