namespace Autograd.Optim;

/// <summary>
/// A set of parameters optimised with one set of hyper-parameters, as a PyTorch <c>param_group</c> dict: options
/// are keyed by PyTorch's names (<c>"lr"</c>, <c>"momentum"</c>, <c>"betas"</c>, <c>"weight_decay"</c>,
/// <c>"initial_lr"</c> once a scheduler runs...). Options not given here are filled from the optimizer's
/// defaults when the group is added; they may be changed between steps (schedulers change <see cref="Lr"/>).
/// </summary>
/// <example><code>
/// var optimizer = new SGD(
///     [new ParamGroup(model.Backbone.Parameters()), new ParamGroup(model.Head.Parameters(), lr: 1e-2)],
///     lr: 1e-3f, momentum: 0.9f);
/// </code></example>
public sealed class ParamGroup
{
    private readonly OrderedDictionary<string, object> _options = new(StringComparer.Ordinal);

    /// <param name="parameters">The tensors of this group (leaves).</param>
    /// <param name="lr">This group's learning rate; null takes the optimizer's.</param>
    public ParamGroup(IEnumerable<Tensor> parameters, double? lr = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Params = parameters.ToArray();
        if (lr is double value) _options["lr"] = value;
    }

    /// <summary>The group's parameters, in the order the optimizer indexes them.</summary>
    public IReadOnlyList<Tensor> Params { get; }

    /// <summary>The learning rate (option <c>"lr"</c>).</summary>
    public double Lr
    {
        get => GetDouble("lr");
        set => _options["lr"] = value;
    }

    /// <summary>The hyper-parameters, by PyTorch name.</summary>
    public IReadOnlyDictionary<string, object> Options => _options;

    /// <summary>An option by PyTorch name: numbers are stored as given (read back as double), flags as bool, betas as (double, double).</summary>
    public object this[string key]
    {
        get => _options.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"parameter group has no option '{key}' (it has {string.Join(", ", _options.Keys)})");
        set => _options[key] = value ?? throw new ArgumentNullException(nameof(value));
    }

    public bool ContainsKey(string key) => _options.ContainsKey(key);

    /// <summary>A numeric option as double (a float option reads as the decimal it prints as).</summary>
    public double GetDouble(string key) => HyperParameters.ToDouble(this[key], key);

    public bool GetBool(string key) => this[key] is bool b ? b : throw new InvalidOperationException($"parameter group option '{key}' is a {this[key].GetType().Name}, not a bool");

    /// <summary>Sets the option only if the group does not have it (Python's <c>dict.setdefault</c>).</summary>
    internal void SetDefault(string key, object value) => _options.TryAdd(key, value);

    /// <summary>Replaces every option (loading an optimizer state dict).</summary>
    internal void ReplaceOptions(IReadOnlyDictionary<string, object> options)
    {
        _options.Clear();
        foreach (var (k, v) in options) _options[k] = v;
    }
}
