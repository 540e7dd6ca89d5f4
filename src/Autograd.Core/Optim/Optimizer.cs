using Autograd.NN;

namespace Autograd.Optim;

/// <summary>
/// Base class of the optimizers, as PyTorch's <c>torch.optim.Optimizer</c>: parameter groups with their own
/// hyper-parameters, per-parameter state, <see cref="ZeroGrad"/>, <see cref="Step()"/> and state dicts.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups = new();
    private readonly Dictionary<Tensor, ParameterState> _state = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, object> _defaults;

    /// <summary>One group holding <paramref name="parameters"/>.</summary>
    protected Optimizer(IEnumerable<Tensor> parameters, IReadOnlyDictionary<string, object> defaults)
        : this(new[] { new ParamGroup(parameters ?? throw new ArgumentNullException(nameof(parameters))) }, defaults)
    {
    }

    /// <summary>Several groups; options a group lacks come from <paramref name="defaults"/>.</summary>
    protected Optimizer(IEnumerable<ParamGroup> paramGroups, IReadOnlyDictionary<string, object> defaults)
    {
        ArgumentNullException.ThrowIfNull(paramGroups);
        ArgumentNullException.ThrowIfNull(defaults);
        _defaults = new Dictionary<string, object>(defaults, StringComparer.Ordinal);
        var groups = paramGroups.ToList();
        if (groups.Count == 0 || groups.All(g => g.Params.Count == 0))
            throw new ArgumentException($"{GetType().Name}: optimizer got an empty parameter list", nameof(paramGroups));
        foreach (var group in groups) AddParamGroup(group);
    }

    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>The hyper-parameters given to the constructor, by PyTorch name.</summary>
    public IReadOnlyDictionary<string, object> Defaults => _defaults;

    /// <summary>Per-parameter state (PyTorch's <c>optimizer.state</c>), for parameters that have been stepped.</summary>
    public IReadOnlyDictionary<Tensor, ParameterState> State => _state;

    /// <summary>
    /// Adds a group (PyTorch's <c>add_param_group</c>): fills missing options from <see cref="Defaults"/> and
    /// checks them; a parameter may belong to one group only.
    /// </summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in group.Params)
        {
            if (p is null) throw new ArgumentException($"{GetType().Name}: a parameter group contains null", nameof(group));
            if (!p.IsLeaf) throw new ArgumentException($"{GetType().Name}: can't optimize a non-leaf Tensor (grad_fn={p.GradFn!.Name})", nameof(group));
            if (!p.DType.IsFloatingPoint()) throw new ArgumentException($"{GetType().Name}: can't optimize a tensor of dtype {p.DType.TorchName()}", nameof(group));
            if (!seen.Add(p)) throw new ArgumentException($"{GetType().Name}: a parameter group contains the same parameter twice", nameof(group));
        }

        foreach (var other in _groups)
        {
            if (other.Params.Any(seen.Contains))
                throw new ArgumentException($"{GetType().Name}: some parameters appear in more than one parameter group", nameof(group));
        }

        foreach (var (key, value) in _defaults) group.SetDefault(key, value);
        ValidateGroup(group);
        _groups.Add(group);
    }

    /// <summary>
    /// Clears the gradients of every parameter. With <paramref name="setToNone"/> (the default, as PyTorch 2) each
    /// Grad is disposed, returning its buffer to the pool, and set to null: code that kept a reference to the old
    /// Grad tensor gets <see cref="ObjectDisposedException"/> when it reads it. Otherwise gradients are zeroed in place.
    /// </summary>
    public virtual void ZeroGrad(bool setToNone = true) => Utils.ZeroGrad(_groups.SelectMany(g => g.Params), setToNone);

    /// <summary>One update of every parameter that has a gradient (parameters whose Grad is null are skipped), without recording a graph.</summary>
    public void Step()
    {
        using var noGrad = Tensor.NoGrad();
        for (int i = 0; i < _groups.Count; i++)
        {
            ValidateGroup(_groups[i]);

            // Checked for every parameter, with or without a gradient: an optimizer left holding parameters that
            // Module.To replaced would otherwise skip them (no gradient ever reaches them) and silently do nothing.
            foreach (var p in _groups[i].Params)
            {
                if (p.IsDisposed)
                    throw new ObjectDisposedException(nameof(Tensor), $"{GetType().Name}: parameter group {i} holds a disposed parameter (Module.To replaces and disposes parameters: build the optimizer after moving the model)");
            }

            StepGroup(_groups[i]);
        }
    }

    /// <summary>Evaluates <paramref name="closure"/> (with gradients on: it should zero grads, run forward and backward) and then steps; returns the loss.</summary>
    public Tensor Step(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        Tensor loss;
        using (GradMode.Set(true)) loss = closure();
        Step();
        return loss;
    }

    /// <summary>
    /// The optimizer's state, as PyTorch's <c>state_dict()</c>. State tensors are detached views of the live state
    /// (they follow later steps, as PyTorch's references do; clone them for a snapshot); "step" is a new Int64
    /// scalar. Options are copied.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var state = new SortedDictionary<int, IReadOnlyDictionary<string, Tensor>>();
        var groups = new List<ParamGroupStateDict>();
        int index = 0;
        foreach (var group in _groups)
        {
            var indices = new List<int>();
            foreach (var p in group.Params)
            {
                if (_state.TryGetValue(p, out var s))
                {
                    var entry = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
                    if (s.Step > 0) entry["step"] = Tensor.Scalar(s.Step, DType.Int64);
                    foreach (var (name, t) in s.Tensors) entry[name] = t.Detach();
                    state[index] = entry;
                }

                indices.Add(index++);
            }

            groups.Add(new ParamGroupStateDict(new Dictionary<string, object>(group.Options, StringComparer.Ordinal), indices));
        }

        return new OptimizerStateDict(state, groups);
    }

    /// <summary>
    /// Restores state saved by <see cref="StateDict"/> (from an optimizer of the same kind over parameters of the
    /// same shapes, in the same group layout): hyper-parameters are taken from the saved groups, state tensors are
    /// copied (cast to each parameter's dtype and device) and escape every <see cref="TensorScope"/>.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (stateDict.ParamGroups.Count != _groups.Count)
            throw new ArgumentException($"{GetType().Name}: loaded state dict has a different number of parameter groups ({stateDict.ParamGroups.Count}, optimizer has {_groups.Count})", nameof(stateDict));

        var byIndex = new Dictionary<int, Tensor>();
        for (int g = 0; g < _groups.Count; g++)
        {
            var saved = stateDict.ParamGroups[g].Params;
            var current = _groups[g].Params;
            if (saved.Count != current.Count)
                throw new ArgumentException($"{GetType().Name}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group {g}: {saved.Count} vs {current.Count} parameters)", nameof(stateDict));
            for (int i = 0; i < saved.Count; i++) byIndex[saved[i]] = current[i];
        }

        foreach (var (index, entries) in stateDict.State)
        {
            if (!byIndex.TryGetValue(index, out var p))
                throw new ArgumentException($"{GetType().Name}: loaded state dict has state for parameter {index}, which no parameter group lists", nameof(stateDict));
            foreach (var (name, t) in entries)
            {
                if (t is null || t.IsDisposed) throw new ArgumentException($"{GetType().Name}: state '{name}' of parameter {index} is null or disposed", nameof(stateDict));
                if (name == "step")
                {
                    if (t.Numel != 1) throw new ArgumentException($"{GetType().Name}: state 'step' of parameter {index} must hold one value, got shape {Tensor.ShapeString(t.ShapeRef)}", nameof(stateDict));
                }
                else if (!t.ShapeRef.AsSpan().SequenceEqual(p.ShapeRef))
                {
                    throw new ArgumentException($"{GetType().Name}: state '{name}' of parameter {index} has shape {Tensor.ShapeString(t.ShapeRef)} but the parameter has shape {Tensor.ShapeString(p.ShapeRef)}", nameof(stateDict));
                }
            }
        }

        foreach (var s in _state.Values)
            foreach (var t in s.Tensors.Values) t.Dispose();
        _state.Clear();
        using (Tensor.NoGrad())
        {
            foreach (var (index, entries) in stateDict.State)
            {
                var p = byIndex[index];
                var s = new ParameterState();
                foreach (var (name, t) in entries)
                {
                    if (name == "step")
                    {
                        s.Step = (long)Math.Round(t.ItemDouble());
                        continue;
                    }

                    var copy = Tensor.EmptyLike(p);
                    if (t.Device != p.Device)
                    {
                        using var moved = t.To(p.Device);
                        copy.CopyFrom(moved);
                    }
                    else
                    {
                        copy.CopyFrom(t);
                    }

                    s.Set(name, copy);
                }

                _state[p] = s;
            }
        }

        for (int g = 0; g < _groups.Count; g++)
        {
            _groups[g].ReplaceOptions(stateDict.ParamGroups[g].Options);
            ValidateGroup(_groups[g]);
        }
    }

    /// <summary>Updates the parameters of one group (called under no-grad, after <see cref="ValidateGroup"/>).</summary>
    protected abstract void StepGroup(ParamGroup group);

    /// <summary>Checks a group's options, throwing <see cref="ArgumentException"/> naming the bad one.</summary>
    protected abstract void ValidateGroup(ParamGroup group);

    /// <summary>The state of <paramref name="parameter"/>, created empty on first use.</summary>
    protected ParameterState GetState(Tensor parameter)
    {
        if (!_state.TryGetValue(parameter, out var s))
        {
            s = new ParameterState();
            _state[parameter] = s;
        }

        return s;
    }

    /// <summary>Throws a clear error for a parameter the optimizer can no longer update.</summary>
    protected void CheckUpdatable(Tensor parameter, Tensor grad)
    {
        if (parameter.IsDisposed)
            throw new ObjectDisposedException(nameof(Tensor), $"{GetType().Name}: a parameter was disposed (Module.To replaces and disposes parameters: build the optimizer after moving the model)");
        if (grad.IsDisposed)
            throw new ObjectDisposedException(nameof(Tensor), $"{GetType().Name}: a parameter's Grad was disposed but not cleared");
        if (grad.Device != parameter.Device || grad.DType != parameter.DType)
            throw new InvalidOperationException($"{GetType().Name}: a gradient ({grad.DType.TorchName()} on {grad.Device}) does not match its parameter ({parameter.DType.TorchName()} on {parameter.Device})");
    }
}
