namespace Autograd.Cluster.Contracts.Specs;

/// <summary>
/// A seeded generator, the same samples on every silo:
/// <list type="bullet">
/// <item><c>blobs</c> (classification): <see cref="Classes"/> Gaussian clusters with centres drawn N(0, 1) per feature
/// and samples at centre + <see cref="Noise"/> x N(0, 1); labels are class indices (one-hot floats for bce-with-logits).</item>
/// <item><c>linear</c> (regression): a random linear teacher y = W x + b (W ~ N(0, 1/features), b ~ N(0, 1)) on
/// x ~ N(0, 1), plus <see cref="Noise"/> x N(0, 1); targets have shape [<see cref="Outputs"/>].</item>
/// </list>
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.SyntheticDataSpec")]
public sealed record SyntheticDataSpec
{
    public const string Blobs = "blobs";
    public const string Linear = "linear";

    public static readonly IReadOnlyList<string> Generators = [Blobs, Linear];

    /// <summary><c>blobs</c> or <c>linear</c>.</summary>
    [Id(0)]
    public string Generator { get; init; } = Blobs;

    [Id(1)]
    public int Samples { get; init; } = 256;

    /// <summary>The shape of one input sample (features flatten from it).</summary>
    [Id(2)]
    public int[] SampleShape { get; init; } = [8];

    /// <summary>For blobs: the number of classes.</summary>
    [Id(3)]
    public int Classes { get; init; } = 2;

    /// <summary>For linear: the number of outputs.</summary>
    [Id(4)]
    public int Outputs { get; init; } = 1;

    [Id(5)]
    public double Noise { get; init; } = 0.1;

    [Id(6)]
    public long Seed { get; init; }

    /// <summary>
    /// Simulated storage latency added to every batch a worker reads, in milliseconds (0 = none): stands in for a slow
    /// disk or network volume when testing step timeouts and throughput.
    /// </summary>
    [Id(7)]
    public int ReadDelayMs { get; init; }

    /// <summary>
    /// The size of the held-out test split (0 = none): samples of the same distribution (the same class centres or
    /// teacher), drawn from a stream seeded by a seed derived from <see cref="Seed"/>, so none repeats a training sample.
    /// </summary>
    [Id(8)]
    public int TestSamples { get; init; }
}
