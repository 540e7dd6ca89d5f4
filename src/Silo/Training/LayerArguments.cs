using System.Globalization;
using Autograd.Cluster.Contracts;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// Reads one layer's text arguments with the layer's path in every error (<c>model.layers[2].kernelSize</c>), and
/// refuses arguments the layer does not take: the arguments a built-in layer or a registered model
/// (<see cref="Hosting.ModelServiceCollectionExtensions.AddAutogradModel"/>) is built from. Every read marks the argument
/// as taken; one the spec gives that no read took is refused after the module is built.
/// </summary>
public sealed class LayerArguments
{
    private readonly Dictionary<string, string> _args;
    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _path;
    private readonly string _type;

    internal LayerArguments(IReadOnlyDictionary<string, string>? args, int index, string type, long maxWeights = LayerFactory.MaxLayerWeights)
    {
        _args = new Dictionary<string, string>(args ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        _path = $"model.layers[{index}]";
        _type = type;
        MaxWeights = maxWeights;
    }

    /// <summary>The most weights this layer may have: the per-layer cap, or less when the job's parameter limit leaves less.</summary>
    internal long MaxWeights { get; }

    /// <summary>The spec's arguments by name (case-insensitive), as text.</summary>
    public IReadOnlyCollection<string> Names => _args.Keys;

    /// <summary>A required integer.</summary>
    public int Int(string name) => ParseInt(name, Required(name));

    public int Int(string name, int fallback) => Has(name) ? Int(name) : fallback;

    /// <summary>A required argument that must be positive (sizes, channel counts).</summary>
    public int PositiveInt(string name)
    {
        int value = Int(name);
        return value > 0 ? value : throw Error(name, $"{_type} needs a positive {name}, got {value}");
    }

    public double Double(string name, double fallback)
    {
        if (!Has(name)) return fallback;
        string text = Required(name);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw Error(name, $"'{text}' is not a finite number");
    }

    public bool Bool(string name, bool fallback)
    {
        if (!Has(name)) return fallback;
        string text = Required(name);
        return bool.TryParse(text, out bool value) ? value : throw Error(name, $"'{text}' is not true or false");
    }

    public string Text(string name, string fallback) => Has(name) ? Required(name) : fallback;

    /// <summary>A size written "3" (square) or "3,2" (height, width); brackets and spaces are allowed.</summary>
    public Size2 Pair(string name)
    {
        var parts = List(name);
        return parts.Length switch
        {
            1 => parts[0],
            2 => (parts[0], parts[1]),
            _ => throw Error(name, $"expected one size or two (height,width), got {parts.Length} values"),
        };
    }

    public Size2 Pair(string name, Size2 fallback) => Has(name) ? Pair(name) : fallback;

    public Size2? OptionalPair(string name) => Has(name) ? Pair(name) : null;

    /// <summary>A list of integers written "4,5" (or "[4, 5]").</summary>
    public int[] List(string name)
    {
        string text = Required(name);
        var parts = text.Trim().TrimStart('[', '(').TrimEnd(']', ')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw Error(name, $"'{text}' holds no integers");
        return parts.Select(p => ParseInt(name, p)).ToArray();
    }

    /// <summary>Throws when an argument was given that the layer never read.</summary>
    internal void RejectUnknown(IEnumerable<string> accepted)
    {
        foreach (string name in _args.Keys)
        {
            if (!_used.Contains(name))
            {
                var known = accepted.ToList();
                throw Error(name, $"{_type} takes no argument '{name}'" + (known.Count == 0 ? " (it takes none)" : $"; it takes {string.Join(", ", known)}"));
            }
        }
    }

    /// <summary>A refusal of argument <paramref name="name"/>, naming its path (<c>model.layers[i].name</c>).</summary>
    public JobSpecException Error(string name, string problem) => new($"{_path}.{name}", problem);

    private bool Has(string name)
    {
        _used.Add(name);
        return _args.ContainsKey(name);
    }

    private string Required(string name)
    {
        _used.Add(name);
        return _args.TryGetValue(name, out var text) ? text : throw Error(name, $"{_type} needs the argument '{name}'");
    }

    private int ParseInt(string name, string text) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw Error(name, $"'{text}' is not an integer");
}
