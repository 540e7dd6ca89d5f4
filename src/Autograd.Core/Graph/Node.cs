namespace Autograd.Graph;

/// <summary>
/// One recorded op of the autograd graph (PyTorch's <c>grad_fn</c>): the gradient rule of the op, the tensors it
/// saved for it, and an edge to each input that needs a gradient.
/// </summary>
public sealed class Node
{
    private Func<Tensor, Tensor?[]>? _backward;
    private SavedTensor[] _saved;

    internal Node(string name, Edge[] nextEdges, SavedTensor[] saved, Func<Tensor, Tensor?[]> backward)
    {
        Name = name;
        NextEdges = nextEdges;
        _saved = saved;
        _backward = backward;
    }

    /// <summary>PyTorch's name for the gradient function, e.g. <c>AddmmBackward0</c>.</summary>
    public string Name { get; }

    /// <summary>Where the gradient of each input goes: the input's own node, or the leaf it accumulates into.</summary>
    internal Edge[] NextEdges { get; }

    /// <summary>The op's output, when <see cref="Tensor.RetainGrad"/> asked to keep its gradient.</summary>
    internal Tensor? RetainedOutput { get; set; }

    /// <summary>False once backward has run through this node without <c>retainGraph</c>.</summary>
    public bool HasSavedState => _backward is not null;

    /// <summary>Runs the gradient rule: one gradient per input, in the order of <see cref="NextEdges"/>.</summary>
    internal Tensor?[] Apply(Tensor gradOutput)
    {
        var backward = _backward ?? throw new InvalidOperationException(
            $"Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed) in {Name}. "
            + "Saved intermediate values of the graph are freed when you call Backward(); specify retainGraph: true on the first call if you need to backward through the graph again.");
        foreach (var saved in _saved) saved.CheckUnmodified(Name);
        return backward(gradOutput);
    }

    /// <summary>Drops the gradient rule and what it saved, so their memory can go.</summary>
    internal void Release()
    {
        _backward = null;
        _saved = [];
    }

    public override string ToString() => $"<{Name}>";
}

/// <summary>Where one input's gradient flows: into another node, or into a leaf tensor's <c>Grad</c>.</summary>
internal readonly record struct Edge(Node? Function, Tensor? Leaf);

/// <summary>A tensor a gradient rule needs, with the version it had when saved.</summary>
internal readonly struct SavedTensor
{
    private readonly Tensor _tensor;
    private readonly int _version;

    public SavedTensor(Tensor tensor)
    {
        _tensor = tensor;
        _version = tensor.Version;
    }

    public void CheckUnmodified(string nodeName)
    {
        if (_tensor.IsDisposed)
            throw new ObjectDisposedException(nameof(Tensor), $"a tensor saved for {nodeName} was disposed before backward ran");
        int now = _tensor.Version;
        if (now != _version)
            throw new InvalidOperationException(
                $"one of the variables needed for gradient computation has been modified by an inplace operation: "
                + $"[{_tensor.DType.TorchName()} {Tensor.ShapeString(_tensor.ShapeRef)}], which is output 0 of {nodeName}, is at version {now}; expected version {_version} instead.");
    }
}
