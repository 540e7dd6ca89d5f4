using Autograd.Cluster.Contracts.Buffers;

namespace Autograd.Cluster.Contracts.Specs;

/// <summary>
/// A small dataset sent with the job: inputs of shape [n, ...<see cref="SampleShape"/>] and either class labels
/// (<see cref="Labels"/>, for cross-entropy) or float targets of shape [n, ...<see cref="TargetShape"/>].
/// An optional test split (<see cref="TestInputs"/> with <see cref="TestLabels"/> or <see cref="TestTargets"/>) has the
/// same form. The whole spec travels in one message, so keep it under <see cref="FloatBlock.MaxFloats"/> floats; upload
/// larger sets in chunks (<c>IDatasetUploadGrain</c>).
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.InMemoryDataSpec")]
public sealed record InMemoryDataSpec
{
    [Id(0)]
    public int[] SampleShape { get; init; } = [];

    [Id(1)]
    public FloatBlock Inputs { get; init; } = FloatBlock.Empty;

    /// <summary>Class indices in [0, <see cref="Classes"/>), one per sample; null when <see cref="Targets"/> is given.</summary>
    [Id(2)]
    public long[]? Labels { get; init; }

    /// <summary>The number of classes of <see cref="Labels"/> (0 = one more than the largest label).</summary>
    [Id(3)]
    public int Classes { get; init; }

    /// <summary>Float targets, one block of [n, ...<see cref="TargetShape"/>]; null when <see cref="Labels"/> is given.</summary>
    [Id(4)]
    public FloatBlock? Targets { get; init; }

    [Id(5)]
    public int[] TargetShape { get; init; } = [];

    /// <summary>The test split's inputs, [m, ...<see cref="SampleShape"/>]; null = no test split.</summary>
    [Id(6)]
    public FloatBlock? TestInputs { get; init; }

    /// <summary>The test split's class indices (with <see cref="Labels"/>).</summary>
    [Id(7)]
    public long[]? TestLabels { get; init; }

    /// <summary>The test split's float targets, [m, ...<see cref="TargetShape"/>] (with <see cref="Targets"/>).</summary>
    [Id(8)]
    public FloatBlock? TestTargets { get; init; }
}
