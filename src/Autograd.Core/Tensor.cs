using Autograd.Backends;
using Autograd.Graph;

namespace Autograd;

/// <summary>
/// An n-dimensional array on a device, with PyTorch's autograd: ops on tensors that require gradients record a
/// graph, and <see cref="Backward(Tensor?, bool)"/> fills the <see cref="Grad"/> of the leaves by the chain rule.
/// Storage is contiguous and row-major; reshapes share it, every other op writes a new tensor.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly int[] _shape;
    private Storage? _storage;
    private bool _requiresGrad;
    private Tensor? _grad;

    internal Tensor(Storage storage, int[] shape)
    {
        _storage = storage;
        _shape = shape;
        TensorScope.Track(this);
    }

    /// <summary>The sizes of each dimension (a copy).</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The shape without copying, for the engine's own use.</summary>
    internal int[] ShapeRef => _shape;

    public int Dim => _shape.Length;

    public int Numel => Storage.Length;

    public DType DType => Storage.DType;

    public Device Device => Storage.Device;

    public bool IsDisposed => _storage is null;

    /// <summary>The function that made this tensor (null for leaves), as PyTorch's <c>grad_fn</c>.</summary>
    public Node? GradFn { get; internal set; }

    /// <summary>True for tensors made by the user rather than by a recorded op.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>True once <see cref="RetainGrad"/> was called on a non-leaf tensor.</summary>
    public bool RetainsGrad { get; private set; }

    /// <summary>
    /// Whether ops on this tensor record gradients. Only leaves may change it, as in PyTorch; a non-leaf's value
    /// follows from its inputs.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!IsLeaf && !value)
                throw new InvalidOperationException("you can only change requires_grad flags of leaf variables; use Detach() to get a tensor that does not require grad");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"only tensors of floating point dtype can require gradients, not {DType.TorchName()}");
            _requiresGrad = value;
        }
    }

    /// <summary>
    /// The gradient accumulated by backward: kept for leaves that require grad, and for non-leaves only after
    /// <see cref="RetainGrad"/>. Null until the first backward, and again after a set-to-none <c>ZeroGrad</c>.
    /// </summary>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            if (value is not null)
            {
                if (!value._shape.AsSpan().SequenceEqual(_shape))
                    throw new ArgumentException($"assigned grad has shape {ShapeString(value._shape)} but the tensor has shape {ShapeString(_shape)}");
                if (value.DType != DType)
                    throw new ArgumentException($"assigned grad has dtype {value.DType.TorchName()} but the tensor has dtype {DType.TorchName()}");
                if (value.Device != Device)
                    throw new ArgumentException($"assigned grad is on {value.Device} but the tensor is on {Device}");
                value.EscapeScope();
            }

            _grad = value;
        }
    }

    /// <summary>The in-place version counter of the storage: saved tensors check it in backward.</summary>
    internal int Version => Storage.Version;

    internal Storage Storage => _storage ?? throw new ObjectDisposedException(nameof(Tensor), "this tensor was disposed (its TensorScope ended or Dispose was called)");

    internal IBackend Backend => Storage.Backend;

    /// <summary>Set when no <see cref="TensorScope"/> may dispose the tensor (parameters, their Grad, optimizer state).</summary>
    internal bool Escaped { get; private set; }

    /// <summary>Keep <see cref="Grad"/> for this non-leaf tensor after backward, as PyTorch's <c>retain_grad()</c>.</summary>
    public void RetainGrad()
    {
        if (!RequiresGrad) throw new InvalidOperationException("can't retain_grad on a tensor that has requires_grad=False");
        if (IsLeaf) return;
        RetainsGrad = true;
        GradFn!.RetainedOutput = this;
    }

    /// <summary>
    /// Makes this tensor survive the end of the <see cref="TensorScope"/> it was created in and of every enclosing one:
    /// no scope disposes it from now on (layers use this for their parameters), so it lives until
    /// <see cref="Dispose"/> or the garbage collector.
    /// </summary>
    public Tensor MoveToOuterScope()
    {
        EscapeScope();
        return this;
    }

    internal void EscapeScope() => Escaped = true;

    /// <summary>Returns the storage to the device's pool (when no reshaped view shares it). Idempotent.</summary>
    public void Dispose()
    {
        var storage = _storage;
        if (storage is null) return;
        _storage = null;
        storage.RemoveReference();
    }

    internal static string ShapeString(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
