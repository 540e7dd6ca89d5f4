namespace Autograd.Cluster.Contracts.Specs;

/// <summary>
/// Where the training samples (and the held-out test samples) come from: <see cref="Kind"/> picks which of the other
/// fields apply.
/// <list type="bullet">
/// <item><c>fashion-mnist</c>: the Debian files or <see cref="Directory"/>; the test split is t10k.</item>
/// <item><c>synthetic</c>: <see cref="SyntheticData"/>'s seeded generator; the test split is
/// <see cref="SyntheticDataSpec.TestSamples"/> more samples of the same distribution.</item>
/// <item><c>in-memory</c>: <see cref="InMemoryData"/> sent inline with the job (tiny sets), or <see cref="UploadId"/>, a
/// set uploaded beforehand in chunks through <c>IDatasetUploadGrain</c>.</item>
/// <item><c>idx</c>: IDX files (gzipped or not) at <see cref="Path"/> (inputs) and <see cref="LabelsPath"/> (targets),
/// optionally <see cref="TestPath"/> and <see cref="TestLabelsPath"/>; every silo must be able to read them.</item>
/// <item><c>csv</c>: a numeric CSV file at <see cref="Path"/> (optionally <see cref="TestPath"/>) read as
/// <see cref="Csv"/> says; every silo must be able to read it.</item>
/// </list>
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.DatasetSpec")]
public sealed record DatasetSpec
{
    public const string FashionMnist = "fashion-mnist";
    public const string Synthetic = "synthetic";
    public const string InMemory = "in-memory";
    public const string Idx = "idx";
    public const string Csv = "csv";

    public static readonly IReadOnlyList<string> Kinds = [FashionMnist, Synthetic, InMemory, Idx, Csv];

    /// <summary><c>fashion-mnist</c>, <c>synthetic</c>, <c>in-memory</c>, <c>idx</c> or <c>csv</c>.</summary>
    [Id(0)]
    public string Kind { get; init; } = Synthetic;

    /// <summary>For fashion-mnist: the folder of the IDX files (default: the engine's, /usr/share/datasets/fashion-mnist or $AUTOGRAD_FASHION_MNIST_DIR).</summary>
    [Id(1)]
    public string? Directory { get; init; }

    /// <summary>Train on the first <c>Limit</c> training samples only (0 = all).</summary>
    [Id(2)]
    public int Limit { get; init; }

    [Id(3)]
    public SyntheticDataSpec? SyntheticData { get; init; }

    [Id(4)]
    public InMemoryDataSpec? InMemoryData { get; init; }

    /// <summary>Evaluate on the first <c>TestLimit</c> test samples only (0 = all of the test split).</summary>
    [Id(5)]
    public int TestLimit { get; init; }

    /// <summary>For idx: the inputs' IDX file; for csv: the CSV file. Must be readable at the same path on every silo.</summary>
    [Id(6)]
    public string? Path { get; init; }

    /// <summary>For idx: the targets' IDX file (integer types: class labels; float types: regression targets).</summary>
    [Id(7)]
    public string? LabelsPath { get; init; }

    /// <summary>For idx and csv: the test split's inputs (idx) or CSV file (csv); null = no test split.</summary>
    [Id(8)]
    public string? TestPath { get; init; }

    /// <summary>For idx: the test split's targets; required with <see cref="TestPath"/>.</summary>
    [Id(9)]
    public string? TestLabelsPath { get; init; }

    /// <summary>For idx and csv classification: the number of classes (0 = one more than the largest training label).</summary>
    [Id(10)]
    public int Classes { get; init; }

    /// <summary>For csv: how to read the file (header, target columns, classification or regression).</summary>
    [Id(11)]
    public CsvDataSpec? CsvData { get; init; }

    /// <summary>For in-memory: the id of a sealed upload (<c>IDatasetUploadGrain</c>), instead of <see cref="InMemoryData"/>.</summary>
    [Id(12)]
    public string? UploadId { get; init; }

    public static DatasetSpec FashionMnistTrain(int limit = 0, string? directory = null) =>
        new() { Kind = FashionMnist, Limit = limit, Directory = directory };

    public static DatasetSpec Generated(SyntheticDataSpec data) => new() { Kind = Synthetic, SyntheticData = data };

    public static DatasetSpec Uploaded(InMemoryDataSpec data) => new() { Kind = InMemory, InMemoryData = data };

    /// <summary>A dataset uploaded in chunks and sealed under <paramref name="uploadId"/>.</summary>
    public static DatasetSpec FromUpload(string uploadId) => new() { Kind = InMemory, UploadId = uploadId };

    public static DatasetSpec IdxFiles(string path, string labelsPath, string? testPath = null, string? testLabelsPath = null) =>
        new() { Kind = Idx, Path = path, LabelsPath = labelsPath, TestPath = testPath, TestLabelsPath = testLabelsPath };

    public static DatasetSpec CsvFile(string path, CsvDataSpec csv, string? testPath = null) =>
        new() { Kind = Csv, Path = path, CsvData = csv, TestPath = testPath };
}
