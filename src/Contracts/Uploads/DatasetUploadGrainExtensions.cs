using Autograd.Cluster.Contracts.Buffers;

namespace Autograd.Cluster.Contracts.Uploads;

/// <summary>Client-side helpers over <see cref="IDatasetUploadGrain"/>.</summary>
public static class DatasetUploadGrainExtensions
{
    /// <summary>
    /// Uploads a whole dataset: begins with a header made from the arrays, sends each part in chunks of at most
    /// <paramref name="chunkValues"/> values, and seals. Give <paramref name="labels"/> (class indices) or
    /// <paramref name="targets"/> (floats of <paramref name="targetShape"/> per sample), and the test split in the same form.
    /// </summary>
    public static async Task<DatasetUploadInfo> UploadAsync(
        this IDatasetUploadGrain upload,
        int[] sampleShape,
        float[] inputs,
        long[]? labels = null,
        int classes = 0,
        float[]? targets = null,
        int[]? targetShape = null,
        float[]? testInputs = null,
        long[]? testLabels = null,
        float[]? testTargets = null,
        int chunkValues = DatasetUploadHeader.MaxChunkValues)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(inputs);
        if (chunkValues is <= 0 or > DatasetUploadHeader.MaxChunkValues)
            throw new ArgumentOutOfRangeException(nameof(chunkValues), $"must be 1..{DatasetUploadHeader.MaxChunkValues}, got {chunkValues}");
        long features = sampleShape.Aggregate(1L, (a, d) => a * d);
        if (features <= 0) throw new ArgumentException($"sample shape [{string.Join(", ", sampleShape)}] holds no values", nameof(sampleShape));
        await upload.BeginAsync(new DatasetUploadHeader
        {
            SampleShape = sampleShape,
            Samples = checked((int)(inputs.Length / features)),
            TestSamples = checked((int)((testInputs?.Length ?? 0) / features)),
            HasLabels = labels is not null,
            Classes = classes,
            TargetShape = targetShape ?? [],
        });
        await SendAsync(upload, UploadPart.Inputs, inputs, chunkValues);
        if (labels is not null) await SendAsync(upload, UploadPart.Labels, labels, chunkValues);
        if (targets is not null) await SendAsync(upload, UploadPart.Targets, targets, chunkValues);
        if (testInputs is not null) await SendAsync(upload, UploadPart.TestInputs, testInputs, chunkValues);
        if (testLabels is not null) await SendAsync(upload, UploadPart.TestLabels, testLabels, chunkValues);
        if (testTargets is not null) await SendAsync(upload, UploadPart.TestTargets, testTargets, chunkValues);
        return await upload.SealAsync();
    }

    private static async Task SendAsync(IDatasetUploadGrain upload, UploadPart part, float[] values, int chunkValues)
    {
        for (int offset = 0; offset < values.Length; offset += chunkValues)
        {
            int count = Math.Min(chunkValues, values.Length - offset);
            await upload.AppendAsync(new DatasetChunk { Part = part, Offset = offset, Values = FloatBlock.From(values.AsSpan(offset, count)) });
        }
    }

    private static async Task SendAsync(IDatasetUploadGrain upload, UploadPart part, long[] labels, int chunkValues)
    {
        for (int offset = 0; offset < labels.Length; offset += chunkValues)
        {
            int count = Math.Min(chunkValues, labels.Length - offset);
            await upload.AppendAsync(new DatasetChunk { Part = part, Offset = offset, Labels = labels.AsSpan(offset, count).ToArray() });
        }
    }
}
