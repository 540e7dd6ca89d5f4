namespace Autograd;

/// <summary>
/// Disposes, at its end, every tensor created inside it (on this async flow) that did not escape: a training step
/// wrapped in a scope returns all its activations and temporary gradients to the buffer pool, so steady-state
/// training allocates nothing proportional to tensor sizes. Parameters, their <c>Grad</c> and optimizer state
/// escape automatically; call <see cref="Tensor.MoveToOuterScope"/> to keep anything else. Scopes nest.
/// </summary>
/// <example><code>
/// using (var scope = new TensorScope())
/// {
///     var loss = criterion.Forward(model.Forward(x), y);
///     optimizer.ZeroGrad(); loss.Backward(); optimizer.Step();
///     total += loss.Item();
/// }   // every tensor of the step is back in the pool
/// </code></example>
public sealed class TensorScope : IDisposable
{
    private static readonly AsyncLocal<TensorScope?> CurrentScope = new();

    private readonly TensorScope? _outer;
    private readonly List<Tensor> _tensors = new();
    private bool _disposed;

    public TensorScope()
    {
        _outer = CurrentScope.Value;
        CurrentScope.Value = this;
    }

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _tensors.Count;

    /// <summary>Makes this scope dispose <paramref name="tensor"/> too (one made before the scope began, say a batch).</summary>
    public Tensor Adopt(Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _tensors.Add(tensor);
        return tensor;
    }

    internal static void Track(Tensor tensor) => CurrentScope.Value?._tensors.Add(tensor);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CurrentScope.Value = _outer;
        foreach (var tensor in _tensors)
        {
            if (tensor.Escaped)
            {
                // An escaped tensor belongs to the enclosing scope, if any, from now on.
                _outer?._tensors.Add(tensor);
                continue;
            }

            tensor.Dispose();
        }

        _tensors.Clear();
    }
}
