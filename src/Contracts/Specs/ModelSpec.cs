namespace Autograd.Cluster.Contracts.Specs;

/// <summary>A sequential network: the layers run in order, as PyTorch's <c>nn.Sequential</c> (parameter names <c>0.weight</c>, ...).</summary>
[GenerateSerializer, Alias("Autograd.Cluster.ModelSpec")]
public sealed record ModelSpec
{
    [Id(0)]
    public LayerSpec[] Layers { get; init; } = [];

    public static ModelSpec Sequential(params LayerSpec[] layers) => new() { Layers = layers };
}
