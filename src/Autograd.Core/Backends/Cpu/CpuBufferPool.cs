namespace Autograd.Backends.Cpu;

/// <summary>
/// Recycles the pinned arrays behind CPU tensors, keyed by exact length: a training step asks for the same sizes
/// every time, so after the first step it allocates nothing proportional to tensor sizes. Arrays are pinned
/// (pinned object heap) so kernels can hold raw pointers without <c>fixed</c> blocks.
/// </summary>
/// <remarks>
/// Each bucket is a plain stack under a lock: a concurrent stack allocates a node per return (garbage every step)
/// and counts in linear time. Rent and return are a few hundred per step, so the lock is never contended for long.
/// </remarks>
internal static class CpuBufferPool
{
    private const int MaxIdlePerLength = 256;

    private static readonly Dictionary<(DType, int), Stack<Array>> Idle = new();
    private static readonly Lock Gate = new();
    private static long _idleBytes;

    /// <summary>Upper bound of bytes kept idle in the pool; past it, returned arrays are left to the GC.</summary>
    public static long MaxIdleBytes { get; set; } = 1L << 30;

    public static long IdleBytes
    {
        get
        {
            lock (Gate) return _idleBytes;
        }
    }

    public static Array Rent(DType dtype, int length)
    {
        lock (Gate)
        {
            if (Idle.TryGetValue((dtype, length), out var stack) && stack.TryPop(out var array))
            {
                _idleBytes -= (long)length * dtype.SizeOf();
                return array;
            }
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
        lock (Gate)
        {
            if (_idleBytes + bytes > MaxIdleBytes) return;
            if (!Idle.TryGetValue((dtype, array.Length), out var stack))
            {
                stack = new Stack<Array>();
                Idle[(dtype, array.Length)] = stack;
            }

            if (stack.Count >= MaxIdlePerLength) return;
            stack.Push(array);
            _idleBytes += bytes;
        }
    }

    /// <summary>Drops every idle array (tests and memory-pressure callers).</summary>
    public static void Clear()
    {
        lock (Gate)
        {
            Idle.Clear();
            _idleBytes = 0;
        }
    }
}
