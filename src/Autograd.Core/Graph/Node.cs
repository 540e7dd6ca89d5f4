namespace Autograd.Graph;

/// <summary>
/// One recorded op of the autograd graph (PyTorch's <c>grad_fn</c>): the gradient rule of the op, the tensors it
/// saved for it, and an edge to each input that needs a gradient.
/// </summary>
public sealed class Node
{
    private Func<Tensor, Tensor?[]>? _backward;
    private SavedTensor[] _saved;
    private SavedTensor _output;

    internal Node(string name, Edge[] nextEdges, SavedTensor[] saved, Func<Tensor, Tensor?[]> backward, SavedTensor output)
    {
        Name = name;
        NextEdges = nextEdges;
        _saved = saved;
        _backward = backward;
        _output = output;
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
        // In-place ops here do not record themselves in the graph, so a change to this node's output after the forward
        // would be missing from the chain rule: refuse it instead of returning a silently wrong gradient.
        _output.CheckUnmodified(Name);
        return backward(gradOutput);
    }

    /// <summary>Drops the gradient rule and what it saved, so their memory can go.</summary>
    internal void Release()
    {
        _backward = null;
        _saved = [];
        _output = default;
    }

    public override string ToString() => $"<{Name}>";
}

/// <summary>Where one input's gradient flows: into another node, or into a leaf tensor's <c>Grad</c>.</summary>
internal readonly record struct Edge(Node? Function, Tensor? Leaf);

/// <summary>A tensor a gradient rule needs (or a node's output), with the version it had when saved.</summary>
internal readonly struct SavedTensor
{
    private readonly Tensor _tensor;
    private readonly int _version;
    private readonly bool _isOutput;

    public SavedTensor(Tensor tensor, bool isOutput = false)
    {
        _tensor = tensor;
        _version = tensor.Version;
        _isOutput = isOutput;
    }

    public void CheckUnmodified(string nodeName)
    {
        if (_tensor.IsDisposed)
        {
            // A node's output is only checked for changes; the rules that read its values save it as well.
            if (_isOutput) return;
            throw new ObjectDisposedException(nameof(Tensor), $"a tensor saved for {nodeName} was disposed before backward ran");
        }

        int now = _tensor.Version;
        if (now == _version) return;
        // PyTorch's wording: a tensor made by an op is named by that op ("output 0 of ExpBackward0"), a leaf by its shape.
        string origin = _isOutput ? $", which is output 0 of {nodeName}," : _tensor.GradFn is { } producer ? $", which is output 0 of {producer.Name}," : string.Empty;
        throw new InvalidOperationException(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            + $"[{_tensor.DType.TorchName()} {Tensor.ShapeString(_tensor.ShapeRef)}]{origin} is at version {now}; expected version {_version} instead. "
            + "In-place ops (Add_, Mul_, Copy_, ...) are not recorded in the graph: use the out-of-place op, or Clone() the tensor first.");
    }
}
