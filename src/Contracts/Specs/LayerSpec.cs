using System.Globalization;

namespace Autograd.Cluster.Contracts.Specs;

/// <summary>
/// One layer of a <see cref="ModelSpec"/>: an engine module by name with its constructor arguments as text (the form
/// a JSON job file gives them: <c>{ "type": "Linear", "inFeatures": 784, "outFeatures": 256 }</c>). Argument names are
/// the engine's parameter names in camelCase; pairs are written <c>"3"</c> or <c>"3,3"</c>. The factories below
/// write the common layers.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.LayerSpec")]
public sealed record LayerSpec
{
    /// <summary>
    /// The module: Linear, Conv2d, MaxPool2d, AvgPool2d, Flatten, ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Dropout, LayerNorm,
    /// BatchNorm1d, BatchNorm2d, or the name of a model registered in the silos (<c>AddAutogradModel</c>).
    /// </summary>
    [Id(0)]
    public string Type { get; init; } = string.Empty;

    /// <summary>Constructor arguments by name.</summary>
    [Id(1)]
    public Dictionary<string, string> Args { get; init; } = new(StringComparer.Ordinal);

    public static LayerSpec Of(string type, params (string Name, object Value)[] args) => new()
    {
        Type = type,
        Args = args.ToDictionary(a => a.Name, a => Format(a.Value), StringComparer.Ordinal),
    };

    public static LayerSpec Linear(int inFeatures, int outFeatures, bool bias = true) =>
        Of("Linear", ("inFeatures", inFeatures), ("outFeatures", outFeatures), ("bias", bias));

    public static LayerSpec Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0) =>
        Of("Conv2d", ("inChannels", inChannels), ("outChannels", outChannels), ("kernelSize", kernelSize), ("stride", stride), ("padding", padding));

    public static LayerSpec MaxPool2d(int kernelSize) => Of("MaxPool2d", ("kernelSize", kernelSize));

    public static LayerSpec Flatten() => Of("Flatten");

    public static LayerSpec ReLU() => Of("ReLU");

    public static LayerSpec Tanh() => Of("Tanh");

    public static LayerSpec Sigmoid() => Of("Sigmoid");

    public static LayerSpec GELU() => Of("GELU");

    public static LayerSpec Dropout(double p) => Of("Dropout", ("p", p));

    public static LayerSpec LayerNorm(int normalizedShape) => Of("LayerNorm", ("normalizedShape", normalizedShape));

    public static LayerSpec BatchNorm1d(int numFeatures) => Of("BatchNorm1d", ("numFeatures", numFeatures));

    public static LayerSpec BatchNorm2d(int numFeatures) => Of("BatchNorm2d", ("numFeatures", numFeatures));

    private static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
