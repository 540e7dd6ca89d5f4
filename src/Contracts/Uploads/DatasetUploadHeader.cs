namespace Autograd.Cluster.Contracts.Uploads;

/// <summary>
/// What an upload will hold, declared before its chunks: the sample counts and shapes fix every part's size, so the
/// upload grain checks the totals before any data arrives and allocates each part once.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.DatasetUploadHeader")]
public sealed record DatasetUploadHeader
{
    /// <summary>
    /// The most values one chunk may carry: 4 Mi values (16 MiB of floats, at most 40 MB of variable-length labels),
    /// well under Orleans' default <c>MaxMessageBodySize</c> of 100 MB.
    /// </summary>
    public const int MaxChunkValues = 4 * 1024 * 1024;

    /// <summary>The shape of one input sample.</summary>
    [Id(0)]
    public int[] SampleShape { get; init; } = [];

    /// <summary>The number of training samples.</summary>
    [Id(1)]
    public int Samples { get; init; }

    /// <summary>The number of test samples (0 = no test split).</summary>
    [Id(2)]
    public int TestSamples { get; init; }

    /// <summary>True: the targets are class labels (<see cref="UploadPart.Labels"/>); false: float targets of <see cref="TargetShape"/>.</summary>
    [Id(3)]
    public bool HasLabels { get; init; } = true;

    /// <summary>With labels: the number of classes (0 = one more than the largest training label).</summary>
    [Id(4)]
    public int Classes { get; init; }

    /// <summary>Without labels: the shape of one sample's float targets.</summary>
    [Id(5)]
    public int[] TargetShape { get; init; } = [];
}
