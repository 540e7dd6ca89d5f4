using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Autograd.Backends.Cpu;

/// <summary>
/// A pinned managed array holding a CPU tensor's elements: rented from <see cref="CpuBufferPool"/> (allocated pinned) and
/// returned there on release, or a caller's array borrowed for a tensor that shares it (pinned by a handle until release,
/// then left to its owner).
/// </summary>
internal sealed unsafe class CpuStorage : Storage
{
    private Array? _array;
    private readonly void* _pointer;
    private readonly Pin? _borrowed;

    public CpuStorage(DType dtype, int length)
        : base(dtype, length)
    {
        _array = CpuBufferPool.Rent(dtype, length);
        _pointer = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
    }

    /// <summary>Storage over <paramref name="borrowed"/> itself (all its elements), pinned until released.</summary>
    public CpuStorage(DType dtype, Array borrowed)
        : base(dtype, borrowed.Length)
    {
        _array = borrowed;
        _borrowed = new Pin(borrowed);
        _pointer = _borrowed.Address;
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
        if (array is null) return;
        if (_borrowed is not null)
            _borrowed.Free();
        else
            CpuBufferPool.Return(DType, array);
    }

    /// <summary>
    /// The pin of a borrowed array. A tensor the caller never disposes must not keep the array pinned (and alive) for
    /// ever, so the handle has a finalizer of its own: only borrowed storages pay for one.
    /// </summary>
    private sealed class Pin(Array array)
    {
        private GCHandle _handle = GCHandle.Alloc(array, GCHandleType.Pinned);

        ~Pin() => Release();

        public void* Address => (void*)_handle.AddrOfPinnedObject();

        public void Free()
        {
            Release();
            GC.SuppressFinalize(this);
        }

        private void Release()
        {
            if (_handle.IsAllocated) _handle.Free();
        }
    }
}
