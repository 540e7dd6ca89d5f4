using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Autograd.Backends.Cpu;

/// <summary>A pinned managed array holding a CPU tensor's elements.</summary>
internal sealed unsafe class CpuStorage : Storage
{
    private Array? _array;
    private readonly void* _pointer;

    public CpuStorage(DType dtype, int length)
        : base(dtype, length)
    {
        _array = CpuBufferPool.Rent(dtype, length);
        _pointer = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
    }

    public override IBackend Backend => CpuBackend.Instance;

    public Array Array => _array ?? throw new ObjectDisposedException(nameof(CpuStorage), "the tensor's storage was released");

    /// <summary>Raw pointer to element 0; valid while the storage is not released (the array is pinned).</summary>
    public T* Pointer<T>()
        where T : unmanaged
    {
        if (_array is null) throw new ObjectDisposedException(nameof(CpuStorage), "the tensor's storage was released");
        return (T*)_pointer;
    }

    public Span<T> Span<T>()
        where T : unmanaged => new(Pointer<T>(), Length);

    protected override void Release()
    {
        var array = _array;
        _array = null;
        if (array is not null) CpuBufferPool.Return(DType, array);
    }
}
