using Autograd.Serialization;

namespace Autograd.NN;

/// <summary>State dicts, safetensors files, and moving a module between devices and dtypes.</summary>
public abstract partial class Module
{
    /// <summary>
    /// The module's parameters and persistent buffers by dotted name, in PyTorch's order (each module's parameters,
    /// then its buffers, then its children's entries). The values are detached tensors sharing storage with the
    /// module's own (so they follow later updates, as PyTorch's): clone them to keep a snapshot. A module shared by
    /// two parents appears under both names. Created in a <see cref="TensorScope"/>, the detached tensors are
    /// disposed with it (the module's own tensors are not).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in StateEntries()) result[name] = tensor.Detach();
        return result;
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into this module's parameters and buffers, in place and
    /// without recording gradients (converting dtype and device as needed), so optimizers that hold the parameters
    /// keep working. Everything is checked before anything is copied: a shape mismatch always throws (naming the key
    /// and both shapes); with <paramref name="strict"/> so do missing and unexpected keys. Otherwise the keys that
    /// did not match are returned.
    /// </summary>
    /// <exception cref="ArgumentException">The errors, listed as PyTorch lists them.</exception>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateEntries();
        var ownNames = new HashSet<string>(own.Select(e => e.Name), StringComparer.Ordinal);
        var missing = own.Where(e => !stateDict.ContainsKey(e.Name)).Select(e => e.Name).ToList();
        var unexpected = stateDict.Keys.Where(k => !ownNames.Contains(k)).ToList();

        var errors = new List<string>();
        if (strict && missing.Count > 0) errors.Add($"Missing key(s) in state_dict: {Quoted(missing)}.");
        if (strict && unexpected.Count > 0) errors.Add($"Unexpected key(s) in state_dict: {Quoted(unexpected)}.");
        foreach (var (name, target) in own)
        {
            if (!stateDict.TryGetValue(name, out var source)) continue;
            if (source is null)
            {
                errors.Add($"value for {name} is null.");
            }
            else if (source.IsDisposed)
            {
                errors.Add($"value for {name} was disposed.");
            }
            else if (!source.ShapeRef.AsSpan().SequenceEqual(target.ShapeRef))
            {
                errors.Add($"size mismatch for {name}: copying a param with shape {Tensor.ShapeString(source.ShapeRef)} from checkpoint, the shape in current model is {Tensor.ShapeString(target.ShapeRef)}.");
            }
        }

        if (errors.Count > 0)
            throw new ArgumentException($"Error(s) in loading state_dict for {GetType().Name}:\n\t{string.Join("\n\t", errors)}", nameof(stateDict));

        using (Tensor.NoGrad())
        {
            foreach (var (name, target) in own)
            {
                if (!stateDict.TryGetValue(name, out var source)) continue;
                if (source.Device != target.Device)
                {
                    using var moved = source.To(target.Device);
                    target.CopyFrom(moved);
                }
                else
                {
                    target.CopyFrom(source);
                }
            }
        }

        return new LoadStateDictResult(missing, unexpected);
    }

    /// <summary>Writes <see cref="StateDict"/> to a safetensors file (metadata <c>format=pt</c>, as PyTorch checkpoints), atomically.</summary>
    public void Save(string path)
    {
        var state = StateDict();
        try
        {
            TensorSafetensors.Save(state, path, new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>Reads a safetensors file and loads it with <see cref="LoadStateDict"/>.</summary>
    public LoadStateDictResult Load(string path, bool strict = true)
    {
        var state = TensorSafetensors.Load(path);
        try
        {
            return LoadStateDict(state, strict);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Moves every parameter and buffer (with its Grad) to <paramref name="device"/>. Tensors are replaced: the
    /// module's fields and registrations get new leaf tensors (same RequiresGrad; a tensor shared by two modules
    /// stays shared) and the old ones are disposed. An optimizer built before this call still holds the old,
    /// disposed tensors and its next Step throws <see cref="ObjectDisposedException"/>: build optimizers after
    /// moving the model, as PyTorch advises. Returns this.
    /// </summary>
    public Module To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ReplaceTensors(t => t.Device == device ? t : t.To(device));
        return this;
    }

    /// <summary>
    /// Converts every floating-point parameter and buffer (with its Grad) to the floating-point
    /// <paramref name="dtype"/>; integer buffers (BatchNorm's num_batches_tracked) keep theirs, as PyTorch. Same
    /// replacement rules as <see cref="To(Device)"/>. Returns this.
    /// </summary>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"Module.To only accepts floating point dtypes, but got desired dtype={dtype.TorchName()}", nameof(dtype));
        ReplaceTensors(t => t.DType.IsFloatingPoint() ? t.ToType(dtype) : t);
        return this;
    }

    /// <summary>Parameters and persistent buffers with their names, duplicates (shared modules) kept; throws on a cycle.</summary>
    internal List<(string Name, Tensor Tensor)> StateEntries()
    {
        var entries = new List<(string, Tensor)>();
        var path = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        Visit(this, string.Empty);
        return entries;

        void Visit(Module module, string prefix)
        {
            if (!path.Add(module))
                throw new InvalidOperationException($"the module tree has a cycle: {module.GetType().Name} at '{prefix}' contains itself");
            foreach (var (name, p) in module.OwnParameters()) entries.Add((Join(prefix, name), p));
            foreach (var (name, b, persistent) in module.OwnBuffers())
                if (persistent) entries.Add((Join(prefix, name), b));
            foreach (var (name, child) in module.OwnChildren()) Visit(child, Join(prefix, name));
            path.Remove(module);
        }
    }

    /// <summary>
    /// Replaces each parameter and buffer of every module by <paramref name="convert"/>'s result (made without a
    /// graph, a leaf with the old RequiresGrad and converted Grad), then disposes the old tensors.
    /// </summary>
    private void ReplaceTensors(Func<Tensor, Tensor> convert)
    {
        var map = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        using (Tensor.NoGrad())
        {
            foreach (var module in Modules())
            {
                foreach (var slot in ModuleMembers.For(module.GetType()))
                {
                    if (slot.Kind == MemberKind.Module || slot.Get(module) is not Tensor t) continue;
                    if (slot.Kind == MemberKind.Tensor && !t.RequiresGrad) continue;
                    var replacement = Map(t);
                    if (!ReferenceEquals(replacement, t)) slot.Set(module, replacement);
                }

                ReplaceRegistered(module._parameters, Map);
                ReplaceRegistered(module._buffers, Map);
            }
        }

        foreach (var (old, replacement) in map)
        {
            if (ReferenceEquals(old, replacement)) continue;
            var oldGrad = old.Grad;
            old.Grad = null;
            oldGrad?.Dispose();
            old.Dispose();
        }

        Tensor Map(Tensor t)
        {
            if (map.TryGetValue(t, out var done)) return done;
            var converted = convert(t);
            if (!ReferenceEquals(converted, t))
            {
                converted.RequiresGrad = t.RequiresGrad;
                if (t.Grad is { } grad) converted.Grad = convert(grad);
                converted.EscapeScope();
            }

            map[t] = converted;
            return converted;
        }
    }

    private static void ReplaceRegistered(OrderedDictionary<string, Tensor?> registry, Func<Tensor, Tensor> map)
    {
        for (int i = 0; i < registry.Count; i++)
        {
            var (name, t) = registry.GetAt(i);
            if (t is not null) registry.SetAt(i, map(t));
        }
    }

    private static string Quoted(IEnumerable<string> keys) => string.Join(", ", keys.Select(k => $"\"{k}\""));
}
