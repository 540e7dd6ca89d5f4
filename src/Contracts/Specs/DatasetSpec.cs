namespace Autograd.Cluster.Contracts.Specs;

/// <summary>Where the training samples come from: <see cref="Kind"/> picks one of the other fields.</summary>
[GenerateSerializer, Alias("Autograd.Cluster.DatasetSpec")]
public sealed record DatasetSpec
{
    public const string FashionMnist = "fashion-mnist";
    public const string Synthetic = "synthetic";
    public const string InMemory = "in-memory";

    public static readonly IReadOnlyList<string> Kinds = [FashionMnist, Synthetic, InMemory];

    /// <summary><c>fashion-mnist</c>, <c>synthetic</c> or <c>in-memory</c>.</summary>
    [Id(0)]
    public string Kind { get; init; } = Synthetic;

    /// <summary>For fashion-mnist: the folder of the IDX files (default: the engine's, /usr/share/datasets/fashion-mnist or $AUTOGRAD_FASHION_MNIST_DIR).</summary>
    [Id(1)]
    public string? Directory { get; init; }

    /// <summary>For fashion-mnist: train on the first <c>Limit</c> training samples only (0 = all).</summary>
    [Id(2)]
    public int Limit { get; init; }

    [Id(3)]
    public SyntheticDataSpec? SyntheticData { get; init; }

    [Id(4)]
    public InMemoryDataSpec? InMemoryData { get; init; }

    public static DatasetSpec FashionMnistTrain(int limit = 0, string? directory = null) =>
        new() { Kind = FashionMnist, Limit = limit, Directory = directory };

    public static DatasetSpec Generated(SyntheticDataSpec data) => new() { Kind = Synthetic, SyntheticData = data };

    public static DatasetSpec Uploaded(InMemoryDataSpec data) => new() { Kind = InMemory, InMemoryData = data };
}
