namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// The models registered in this silo (<see cref="Hosting.ModelServiceCollectionExtensions.AddAutogradModel"/>), by
/// name, case-insensitive as layer types are. A name registered twice, or one that is a built-in layer, stops the silo
/// at startup: every silo of a cluster must register the same models.
/// </summary>
public sealed class ModelRegistry
{
    private readonly Dictionary<string, ModelRegistration> _models = new(StringComparer.OrdinalIgnoreCase);

    public ModelRegistry(IEnumerable<ModelRegistration> registrations)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        foreach (var registration in registrations)
        {
            if (string.IsNullOrWhiteSpace(registration.Name))
                throw new InvalidOperationException("AddAutogradModel: a model needs a name");
            if (LayerFactory.Types.Contains(registration.Name, StringComparer.OrdinalIgnoreCase))
                throw new InvalidOperationException($"AddAutogradModel: '{registration.Name}' is a built-in layer type; give the model another name");
            if (!_models.TryAdd(registration.Name, registration))
                throw new InvalidOperationException($"AddAutogradModel: a model named '{registration.Name}' is registered twice");
        }
    }

    /// <summary>No registered models (the planner's default).</summary>
    public static ModelRegistry Empty { get; } = new([]);

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => _models.Keys.Order(StringComparer.OrdinalIgnoreCase).ToList();

    public bool TryGet(string name, out ModelRegistration registration) => _models.TryGetValue(name, out registration!);
}
