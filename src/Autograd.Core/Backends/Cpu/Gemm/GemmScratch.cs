using System.Runtime.InteropServices;

namespace Autograd.Backends.Cpu.Gemm;

/// <summary>
/// Per-thread, 64-byte aligned native scratch for packed GEMM panels. It grows on demand and is then
/// reused, so steady-state GEMM calls allocate nothing; the finalizer frees it when its thread dies.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? t_current;

    private void* _buffer;
    private nuint _bytes;

    /// <summary>Returns this thread's buffer, at least <paramref name="bytes"/> long (contents undefined).
    /// Valid until the next call on the same thread.</summary>
    public static void* Get(nuint bytes)
    {
        GemmScratch scratch = t_current ??= new GemmScratch();
        if (scratch._bytes < bytes)
            scratch.Grow(bytes);
        return scratch._buffer;
    }

    private void Grow(nuint bytes)
    {
        nuint size = Math.Max(bytes, _bytes * 2);
        NativeMemory.AlignedFree(_buffer);
        _buffer = null;
        _bytes = 0;
        _buffer = NativeMemory.AlignedAlloc(size, 64);
        _bytes = size;
    }

    ~GemmScratch() => NativeMemory.AlignedFree(_buffer);
}
