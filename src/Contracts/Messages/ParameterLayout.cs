namespace Autograd.Cluster.Contracts.Messages;

/// <summary>The state dict's entries as slices of one flat float vector: the parameters first, then the buffers.</summary>
[GenerateSerializer, Alias("Autograd.Cluster.ParameterLayout")]
public sealed record ParameterLayout
{
    [Id(0)]
    public ParameterEntry[] Entries { get; init; } = [];

    /// <summary>The length of the flat vector.</summary>
    [Id(1)]
    public long TotalElements { get; init; }
}
