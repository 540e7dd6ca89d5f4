namespace Autograd.NN;

/// <summary>
/// Base class of every layer and model, as PyTorch's <c>nn.Module</c>. Children, parameters and buffers are found
/// by reflection from instance fields (any visibility, readonly and auto-property backing fields included), base
/// classes first, then each class's fields in declaration order:
/// <list type="bullet">
/// <item>a <see cref="Module"/> field is a child, named as the field (<c>fc1</c>, <c>_fc1</c> and an auto-property
/// <c>Fc1</c> all give <c>fc1</c>);</item>
/// <item>a <see cref="Tensor"/> field is a parameter while it requires grad (set <c>RequiresGrad = false</c> and it
/// drops out of <see cref="Parameters"/> and the state dict; register it with <see cref="RegisterParameter"/> to keep
/// a frozen parameter);</item>
/// <item>a <see cref="Tensor"/> field marked <see cref="BufferAttribute"/> is a buffer;</item>
/// <item>null fields and fields of other types are ignored.</item>
/// </list>
/// Dynamic structures use <see cref="RegisterModule"/>, <see cref="RegisterParameter"/> and
/// <see cref="RegisterBuffer"/>; registered members come after the fields, in registration order. Names in the state
/// dict are PyTorch's dotted names (<c>layers.0.weight</c>).
/// <para>Tensors stored in fields by a constructor that runs inside a <see cref="TensorScope"/> must escape it
/// (<see cref="Tensor.MoveToOuterScope"/>); the layers here and the Register methods do that themselves.</para>
/// </summary>
public abstract partial class Module
{
    private readonly OrderedDictionary<string, Module?> _modules = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Tensor?> _parameters = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Tensor?> _buffers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nonPersistentBuffers = new(StringComparer.Ordinal);

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>; Dropout and BatchNorm read it.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>The total number of elements of all (distinct) parameters.</summary>
    public long NumParameters => Parameters().Sum(p => (long)p.Numel);

    /// <summary>Runs the module on one input.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Adds (or replaces) a child under <paramref name="name"/>; null reserves the name with no module.</summary>
    public void RegisterModule(string name, Module? module)
    {
        CheckMemberName(name, "module");
        if (ReferenceEquals(module, this)) throw new ArgumentException($"RegisterModule: a module cannot be its own child ('{name}')", nameof(module));
        if (_parameters.ContainsKey(name) || _buffers.ContainsKey(name))
            throw new ArgumentException($"RegisterModule: '{name}' is already registered as a parameter or buffer", nameof(name));
        _modules[name] = module;
    }

    /// <summary>
    /// Adds (or replaces) a parameter, as PyTorch's <c>register_parameter(name, nn.Parameter(t))</c>: the tensor
    /// must be a floating-point leaf; it is made to require grad and to escape any <see cref="TensorScope"/>. A
    /// registered parameter stays a parameter even if its RequiresGrad is turned off later (frozen).
    /// Null reserves the name with no parameter (as <c>bias=None</c>).
    /// </summary>
    public void RegisterParameter(string name, Tensor? parameter)
    {
        CheckMemberName(name, "parameter");
        if (_modules.ContainsKey(name) || _buffers.ContainsKey(name))
            throw new ArgumentException($"RegisterParameter: '{name}' is already registered as a module or buffer", nameof(name));
        if (parameter is not null)
        {
            if (!parameter.IsLeaf)
                throw new ArgumentException($"RegisterParameter: cannot assign a non-leaf tensor (grad_fn={parameter.GradFn!.Name}) as parameter '{name}'; parameters must be leaves: use Detach()", nameof(parameter));
            parameter.RequiresGrad = true;
            parameter.EscapeScope();
        }

        _parameters[name] = parameter;
    }

    /// <summary>
    /// Adds (or replaces) a buffer: saved in the state dict unless <paramref name="persistent"/> is false, moved by
    /// <see cref="To(Device)"/>, never a parameter. The tensor escapes any <see cref="TensorScope"/>.
    /// </summary>
    public void RegisterBuffer(string name, Tensor? buffer, bool persistent = true)
    {
        CheckMemberName(name, "buffer");
        if (_modules.ContainsKey(name) || _parameters.ContainsKey(name))
            throw new ArgumentException($"RegisterBuffer: '{name}' is already registered as a module or parameter", nameof(name));
        buffer?.EscapeScope();
        _buffers[name] = buffer;
        if (persistent) _nonPersistentBuffers.Remove(name);
        else _nonPersistentBuffers.Add(name);
    }

    /// <summary>Every distinct parameter of this module and its descendants, in <see cref="NamedParameters"/> order.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>
    /// Parameters with their dotted names: this module's own first, then each child's (depth first). A tensor shared
    /// by two modules is listed once, under its first name, as in PyTorch.
    /// </summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, p) in module.OwnParameters())
                if (seen.Add(p)) yield return (Join(prefix, name), p);
        }
    }

    /// <summary>Every distinct buffer (persistent or not) of this module and its descendants.</summary>
    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Buffer);

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, b, _) in module.OwnBuffers())
                if (seen.Add(b)) yield return (Join(prefix, name), b);
        }
    }

    /// <summary>The direct children.</summary>
    public IEnumerable<Module> Children() => NamedChildren().Select(c => c.Module);

    /// <summary>The direct children with their names; a module held twice is listed once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var (name, child) in OwnChildren())
            if (seen.Add(child)) yield return (name, child);
    }

    /// <summary>This module and every descendant, once each, depth first.</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>This module (named "") and every descendant with its dotted path, once each, depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var results = new List<(string, Module)>();
        Walk(this, string.Empty);
        return results;

        void Walk(Module module, string prefix)
        {
            if (!seen.Add(module)) return;
            results.Add((prefix, module));
            foreach (var (name, child) in module.OwnChildren()) Walk(child, Join(prefix, name));
        }
    }

    /// <summary>The descendant at a dotted path ("" is this module), as PyTorch's <c>get_submodule</c>.</summary>
    public Module GetSubmodule(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var module = this;
        if (target.Length == 0) return module;
        foreach (var part in target.Split('.'))
        {
            module = module.OwnChildren().Where(c => c.Name == part).Select(c => c.Module).FirstOrDefault()
                ?? throw new ArgumentException($"GetSubmodule: {module.GetType().Name} has no attribute '{part}' (path '{target}')", nameof(target));
        }

        return module;
    }

    /// <summary>The parameter at a dotted path (<c>"fc1.weight"</c>), as PyTorch's <c>get_parameter</c>.</summary>
    public Tensor GetParameter(string target)
    {
        var (owner, name) = SplitTarget(target);
        return owner.OwnParameters().Where(p => p.Name == name).Select(p => p.Parameter).FirstOrDefault()
            ?? throw new ArgumentException($"GetParameter: {owner.GetType().Name} has no parameter '{name}' (path '{target}')", nameof(target));
    }

    /// <summary>The buffer at a dotted path (<c>"bn.running_mean"</c>), as PyTorch's <c>get_buffer</c>.</summary>
    public Tensor GetBuffer(string target)
    {
        var (owner, name) = SplitTarget(target);
        return owner.OwnBuffers().Where(b => b.Name == name).Select(b => b.Buffer).FirstOrDefault()
            ?? throw new ArgumentException($"GetBuffer: {owner.GetType().Name} has no buffer '{name}' (path '{target}')", nameof(target));
    }

    /// <summary>Sets training mode on this module and, through their own <c>Train</c>, on all children. Returns this.</summary>
    public virtual Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var child in Children()) child.Train(mode);
        return this;
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>
    /// Clears the gradients of every parameter. With <paramref name="setToNone"/> (the default, as PyTorch 2) each
    /// Grad is disposed (its buffer goes back to the pool) and set to null: a reference to the old Grad kept
    /// elsewhere throws <see cref="ObjectDisposedException"/> when read. Otherwise the gradients are zeroed in place.
    /// </summary>
    public void ZeroGrad(bool setToNone = true) => Utils.ZeroGrad(Parameters(), setToNone);

    /// <summary>Calls <paramref name="fn"/> on every child (recursively, children first) and then on this module, as PyTorch's <c>apply</c>.</summary>
    public Module Apply(Action<Module> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }

    /// <summary>This module's own parameters: requiring-grad Tensor fields, then registered ones (nulls skipped).</summary>
    internal IEnumerable<(string Name, Tensor Parameter)> OwnParameters()
    {
        foreach (var slot in ModuleMembers.For(GetType()))
        {
            if (slot.Kind == MemberKind.Tensor && slot.Get(this) is Tensor { RequiresGrad: true } t) yield return (slot.Name, t);
        }

        foreach (var (name, t) in _parameters)
            if (t is not null) yield return (name, t);
    }

    /// <summary>This module's own buffers with their persistence: [Buffer] fields, then registered ones (nulls skipped).</summary>
    internal IEnumerable<(string Name, Tensor Buffer, bool Persistent)> OwnBuffers()
    {
        foreach (var slot in ModuleMembers.For(GetType()))
        {
            if (slot.Kind == MemberKind.Buffer && slot.Get(this) is Tensor t) yield return (slot.Name, t, slot.Persistent);
        }

        foreach (var (name, t) in _buffers)
            if (t is not null) yield return (name, t, !_nonPersistentBuffers.Contains(name));
    }

    /// <summary>This module's children (duplicates kept, nulls skipped): Module fields, then registered ones.</summary>
    internal IEnumerable<(string Name, Module Module)> OwnChildren()
    {
        foreach (var slot in ModuleMembers.For(GetType()))
        {
            if (slot.Kind == MemberKind.Module && slot.Get(this) is Module m && !ReferenceEquals(m, this)) yield return (slot.Name, m);
        }

        foreach (var (name, m) in _modules)
            if (m is not null) yield return (name, m);
    }

    /// <summary>The registered module under a name (for modules that build their structure dynamically).</summary>
    private protected Module? RegisteredModule(string name) => _modules.TryGetValue(name, out var m) ? m : null;

    private protected int RegisteredModuleCount => _modules.Count;

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private (Module Owner, string Name) SplitTarget(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        int dot = target.LastIndexOf('.');
        return dot < 0 ? (this, target) : (GetSubmodule(target[..dot]), target[(dot + 1)..]);
    }

    private void CheckMemberName(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) throw new ArgumentException($"Register: {what} name can't be empty", nameof(name));
        if (name.Contains('.')) throw new ArgumentException($"Register: {what} name can't contain \".\", got '{name}'", nameof(name));
        if (ModuleMembers.For(GetType()).Any(s => s.Name == name))
            throw new ArgumentException($"Register: {GetType().Name} already has a field named '{name}'", nameof(name));
    }
}
