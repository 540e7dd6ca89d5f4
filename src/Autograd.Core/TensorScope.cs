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
    public int Count
    {
        get
        {
            lock (_tensors) return _tensors.Count;
        }
    }

    /// <summary>Makes this scope dispose <paramref name="tensor"/> too (one made before the scope began, say a batch).</summary>
    public Tensor Adopt(Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Add(tensor);
        return tensor;
    }

    /// <summary>Tasks started inside a scope inherit it (async-local), so tensors may arrive from several threads.</summary>
    internal static void Track(Tensor tensor) => CurrentScope.Value?.Add(tensor);

    private void Add(Tensor tensor)
    {
        lock (_tensors)
        {
            // A task that outlives the scope would otherwise keep adding to a list nobody disposes.
            if (!_disposed) _tensors.Add(tensor);
        }
    }

    public void Dispose()
    {
        lock (_tensors)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var tensor in _tensors)
            {
                // Escaped tensors (parameters, gradients, optimizer state, MoveToOuterScope) belong to no scope: the
                // enclosing scopes would skip them too.
                if (!tensor.Escaped) tensor.Dispose();
            }

            _tensors.Clear();
        }

        CurrentScope.Value = _outer;
    }
}
