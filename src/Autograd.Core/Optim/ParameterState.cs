namespace Autograd.Optim;

/// <summary>
/// What an optimizer keeps for one parameter (PyTorch's <c>optimizer.state[p]</c>): its step count and named
/// state tensors (<c>momentum_buffer</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c>). The tensors
/// belong to the optimizer and escape every <see cref="TensorScope"/>.
/// </summary>
public sealed class ParameterState
{
    private readonly OrderedDictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Updates applied to the parameter so far (optimizers that need it, as Adam's bias correction).</summary>
    public long Step { get; internal set; }

    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    internal Tensor? Get(string name) => _tensors.TryGetValue(name, out var t) ? t : null;

    internal void Set(string name, Tensor tensor)
    {
        tensor.EscapeScope();
        if (_tensors.TryGetValue(name, out var old) && !ReferenceEquals(old, tensor)) old.Dispose();
        _tensors[name] = tensor;
    }
}
