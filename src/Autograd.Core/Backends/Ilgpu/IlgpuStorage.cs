using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

/// <summary>A tensor's elements in one pooled device buffer; the last tensor to let go returns it to the pool.</summary>
internal sealed class IlgpuStorage : Storage
{
    private readonly IlgpuBackend _backend;
    private MemoryBuffer? _buffer;

    public IlgpuStorage(IlgpuBackend backend, DType dtype, int length)
        : base(dtype, length)
    {
        _backend = backend;
        _buffer = backend.Pool.Rent(dtype, length);
    }

    public override IBackend Backend => _backend;

    /// <summary>The pooled device buffer (null once released).</summary>
    public MemoryBuffer? Buffer => _buffer;

    /// <summary>The first <see cref="Storage.Length"/> elements as a kernel argument; <typeparamref name="T"/> must match the dtype.</summary>
    public ArrayView<T> View<T>()
        where T : unmanaged => Dense<T>().AsContiguous();

    public ArrayView1D<T, Stride1D.Dense> Dense<T>()
        where T : unmanaged
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(IlgpuStorage), "the tensor's storage was released");
        return ((MemoryBuffer1D<T, Stride1D.Dense>)buffer).View.SubView(0, Length);
    }

    protected override void Release()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) _backend.Pool.Return(DType, Length, buffer);
    }
}
