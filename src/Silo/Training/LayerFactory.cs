using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// Turns one <see cref="LayerSpec"/> into the engine's module, or a model registered in the silo under that type
/// (<see cref="ModelRegistry"/>), refusing unknown types and arguments by path.
/// </summary>
internal static class LayerFactory
{
    private sealed record Definition(string[] Arguments, Func<LayerArguments, Generator, Module> Create)
    {
        public Definition(string[] arguments, Func<LayerArguments, Module> create)
            : this(arguments, (a, _) => create(a))
        {
        }
    }

    private static readonly Dictionary<string, Definition> Layers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Linear"] = new(["inFeatures", "outFeatures", "bias"], a =>
        {
            int inFeatures = a.PositiveInt("inFeatures"), outFeatures = a.PositiveInt("outFeatures");
            CheckWeights(a, "outFeatures", (long)inFeatures * outFeatures);
            return new Linear(inFeatures, outFeatures, a.Bool("bias", true));
        }),
        ["Conv2d"] = new(["inChannels", "outChannels", "kernelSize", "stride", "padding", "dilation", "groups", "bias"], a =>
        {
            int inChannels = a.PositiveInt("inChannels"), outChannels = a.PositiveInt("outChannels");
            var kernel = a.Pair("kernelSize");
            int groups = a.Int("groups", 1);
            CheckWeights(a, "outChannels", (long)outChannels * (inChannels / Math.Max(groups, 1)) * Math.Max(kernel.H, 1) * Math.Max(kernel.W, 1));
            return new Conv2d(inChannels, outChannels, kernel, a.Pair("stride", 1), a.Pair("padding", 0), a.Pair("dilation", 1), groups, a.Bool("bias", true));
        }),
        ["MaxPool2d"] = new(["kernelSize", "stride", "padding", "dilation"], a => new MaxPool2d(a.Pair("kernelSize"), a.OptionalPair("stride"), a.Pair("padding", 0), a.Pair("dilation", 1))),
        ["AvgPool2d"] = new(["kernelSize", "stride", "padding"], a => new AvgPool2d(a.Pair("kernelSize"), a.OptionalPair("stride"), a.Pair("padding", 0))),
        ["Flatten"] = new(["startDim", "endDim"], a => new Flatten(a.Int("startDim", 1), a.Int("endDim", -1))),
        ["ReLU"] = new([], _ => new ReLU()),
        ["LeakyReLU"] = new(["negativeSlope"], a => new LeakyReLU(a.Double("negativeSlope", 0.01))),
        ["Tanh"] = new([], _ => new Tanh()),
        ["Sigmoid"] = new([], _ => new Sigmoid()),
        ["GELU"] = new(["approximate"], a => new GELU(a.Text("approximate", "none"))),
        ["Dropout"] = new(["p"], (a, g) => new Dropout(a.Double("p", 0.5), g)),
        ["LayerNorm"] = new(["normalizedShape", "eps", "elementwiseAffine"], a =>
        {
            int[] shape = a.List("normalizedShape");
            bool affine = a.Bool("elementwiseAffine", true);
            // The weight and the bias each hold the product of the shape (capped so that it cannot overflow).
            if (affine && shape.All(d => d > 0)) CheckWeights(a, "normalizedShape", 2 * shape.Aggregate(1L, (n, d) => Math.Min(n * d, MaxLayerWeights + 1)));
            return new LayerNorm(shape, a.Double("eps", 1e-5), affine);
        }),
        ["BatchNorm1d"] = new(["numFeatures", "eps", "momentum", "affine"], a => new BatchNorm1d(BatchNormFeatures(a), a.Double("eps", 1e-5), a.Double("momentum", 0.1), a.Bool("affine", true))),
        ["BatchNorm2d"] = new(["numFeatures", "eps", "momentum", "affine"], a => new BatchNorm2d(BatchNormFeatures(a), a.Double("eps", 1e-5), a.Double("momentum", 0.1), a.Bool("affine", true))),
    };

    /// <summary>
    /// The most weights one layer may have: 256 Mi (1 GiB of floats). Checked from the arguments before the layer is
    /// allocated, so a spec cannot make the coordinator's silo allocate more than that for one layer.
    /// </summary>
    public const long MaxLayerWeights = 256L * 1024 * 1024;

    /// <summary>The layer types a spec may name.</summary>
    public static IReadOnlyCollection<string> Types => Layers.Keys;

    /// <summary>
    /// Builds layer <paramref name="index"/>: a built-in layer, else a model of <paramref name="models"/>. Parameters
    /// draw from <see cref="Generator.Default"/> (as PyTorch's modules do); Dropout masks from <paramref name="dropout"/>.
    /// A built-in layer may have at most <paramref name="maxWeights"/> weights (at most <see cref="MaxLayerWeights"/>,
    /// less when the job's parameter limit leaves less), checked from its arguments before it is allocated.
    /// </summary>
    public static Module Create(LayerSpec? spec, int index, Generator dropout, ModelRegistry? models = null, long maxWeights = MaxLayerWeights)
    {
        string path = $"model.layers[{index}]";
        if (spec is null) throw new JobSpecException(path, "is missing");
        models ??= ModelRegistry.Empty;
        var args = new LayerArguments(spec.Args, index, spec.Type, maxWeights);
        if (!string.IsNullOrWhiteSpace(spec.Type) && Layers.TryGetValue(spec.Type, out var definition))
        {
            var layer = Build(path, spec.Type, () => definition.Create(args, dropout), registered: false);
            args.RejectUnknown(definition.Arguments);
            return layer;
        }

        if (!string.IsNullOrWhiteSpace(spec.Type) && models.TryGet(spec.Type, out var registration))
        {
            var model = Build(path, spec.Type, () => registration.Factory(args, dropout), registered: true);
            args.RejectUnknown(registration.Arguments);
            return model;
        }

        string registered = models.Names.Count == 0 ? "no models are registered in this silo" : $"registered models: {string.Join(", ", models.Names)}";
        throw new JobSpecException($"{path}.type", $"unknown layer '{spec.Type}'; known layers: {string.Join(", ", Layers.Keys)}; {registered}");
    }

    private static void CheckWeights(LayerArguments args, string name, long weights)
    {
        if (weights > MaxLayerWeights)
            throw args.Error(name, $"the layer would have {weights} weights, more than the {MaxLayerWeights} one layer may have");
        if (weights > args.MaxWeights)
            throw args.Error(name, $"the layer would have {weights} weights, more than the {args.MaxWeights} the job's parameter limit ({Hosting.TrainingLimits.MaxParametersPerJobKey}) leaves for it");
    }

    // Weight and bias (affine), running mean and variance: each numFeatures long.
    private static int BatchNormFeatures(LayerArguments args)
    {
        int features = args.PositiveInt("numFeatures");
        CheckWeights(args, "numFeatures", 2L * features);
        return features;
    }

    /// <summary>
    /// Runs a module's constructor, turning its refusal into one naming the layer. A registered model's factory is
    /// code of the silo's owner, so any failure of it (not just an argument error) refuses the job instead of escaping.
    /// </summary>
    private static Module Build(string path, string type, Func<Module> create, bool registered)
    {
        try
        {
            return create() ?? throw new JobSpecException(path, $"{type}: the registered factory returned no module");
        }
        catch (JobSpecException)
        {
            throw;
        }
        catch (ArgumentException e)
        {
            throw new JobSpecException(path, $"{type}: {e.Message}");
        }
        catch (Exception e) when (registered && e is not OutOfMemoryException)
        {
            throw new JobSpecException(path, $"{type}: the registered model's factory failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
