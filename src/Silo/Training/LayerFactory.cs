using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>Turns one <see cref="LayerSpec"/> into the engine's module, refusing unknown types and arguments by path.</summary>
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
        ["Linear"] = new(["inFeatures", "outFeatures", "bias"], a => new Linear(a.PositiveInt("inFeatures"), a.PositiveInt("outFeatures"), a.Bool("bias", true))),
        ["Conv2d"] = new(["inChannels", "outChannels", "kernelSize", "stride", "padding", "dilation", "groups", "bias"], a => new Conv2d(
            a.PositiveInt("inChannels"), a.PositiveInt("outChannels"), a.Pair("kernelSize"), a.Pair("stride", 1), a.Pair("padding", 0),
            a.Pair("dilation", 1), a.Int("groups", 1), a.Bool("bias", true))),
        ["MaxPool2d"] = new(["kernelSize", "stride", "padding", "dilation"], a => new MaxPool2d(a.Pair("kernelSize"), a.OptionalPair("stride"), a.Pair("padding", 0), a.Pair("dilation", 1))),
        ["AvgPool2d"] = new(["kernelSize", "stride", "padding"], a => new AvgPool2d(a.Pair("kernelSize"), a.OptionalPair("stride"), a.Pair("padding", 0))),
        ["Flatten"] = new(["startDim", "endDim"], a => new Flatten(a.Int("startDim", 1), a.Int("endDim", -1))),
        ["ReLU"] = new([], _ => new ReLU()),
        ["LeakyReLU"] = new(["negativeSlope"], a => new LeakyReLU(a.Double("negativeSlope", 0.01))),
        ["Tanh"] = new([], _ => new Tanh()),
        ["Sigmoid"] = new([], _ => new Sigmoid()),
        ["GELU"] = new(["approximate"], a => new GELU(a.Text("approximate", "none"))),
        ["Dropout"] = new(["p"], (a, g) => new Dropout(a.Double("p", 0.5), g)),
        ["LayerNorm"] = new(["normalizedShape", "eps", "elementwiseAffine"], a => new LayerNorm(a.List("normalizedShape"), a.Double("eps", 1e-5), a.Bool("elementwiseAffine", true))),
        ["BatchNorm1d"] = new(["numFeatures", "eps", "momentum", "affine"], a => new BatchNorm1d(a.PositiveInt("numFeatures"), a.Double("eps", 1e-5), a.Double("momentum", 0.1), a.Bool("affine", true))),
        ["BatchNorm2d"] = new(["numFeatures", "eps", "momentum", "affine"], a => new BatchNorm2d(a.PositiveInt("numFeatures"), a.Double("eps", 1e-5), a.Double("momentum", 0.1), a.Bool("affine", true))),
    };

    /// <summary>The layer types a spec may name.</summary>
    public static IReadOnlyCollection<string> Types => Layers.Keys;

    /// <summary>
    /// Builds layer <paramref name="index"/>. Parameters draw from <see cref="Generator.Default"/> (as PyTorch's
    /// modules do); Dropout masks from <paramref name="dropout"/>.
    /// </summary>
    public static Module Create(LayerSpec? spec, int index, Generator dropout)
    {
        string path = $"model.layers[{index}]";
        if (spec is null) throw new JobSpecException(path, "is missing");
        if (string.IsNullOrWhiteSpace(spec.Type) || !Layers.TryGetValue(spec.Type, out var definition))
            throw new JobSpecException($"{path}.type", $"unknown layer '{spec.Type}'; known layers: {string.Join(", ", Layers.Keys)}");

        var args = new LayerArguments(spec.Args, index, spec.Type);
        Module module;
        try
        {
            module = definition.Create(args, dropout);
        }
        catch (JobSpecException)
        {
            throw;
        }
        catch (ArgumentException e)
        {
            throw new JobSpecException(path, $"{spec.Type}: {e.Message}");
        }

        args.RejectUnknown(definition.Arguments);
        return module;
    }
}
