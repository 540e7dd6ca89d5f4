using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Uploads;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>Reads a sealed upload from its grain in message-sized chunks and checks it as a dataset.</summary>
internal static class UploadReader
{
    public static async Task<InMemoryDataset> FetchAsync(IDatasetUploadGrain upload, DatasetUploadInfo info)
    {
        var header = info.Header ?? throw new InvalidOperationException($"upload '{info.UploadId}' has no header");
        var floats = new Dictionary<UploadPart, float[]>();
        var labels = new Dictionary<UploadPart, long[]>();
        foreach (var (part, size) in info.Expected)
        {
            if (part is UploadPart.Labels or UploadPart.TestLabels)
            {
                var values = new long[size];
                for (long offset = 0; offset < size; offset += DatasetUploadHeader.MaxChunkValues)
                {
                    int count = (int)Math.Min(DatasetUploadHeader.MaxChunkValues, size - offset);
                    (await upload.ReadLabelsAsync(part, offset, count)).CopyTo(values, offset);
                }

                labels[part] = values;
            }
            else
            {
                var values = new float[size];
                for (long offset = 0; offset < size; offset += DatasetUploadHeader.MaxChunkValues)
                {
                    int count = (int)Math.Min(DatasetUploadHeader.MaxChunkValues, size - offset);
                    (await upload.ReadValuesAsync(part, offset, count)).CopyTo(values.AsSpan((int)offset, count));
                }

                floats[part] = values;
            }
        }

        var samples = new InMemorySamples(
            header.SampleShape,
            floats[UploadPart.Inputs],
            labels.GetValueOrDefault(UploadPart.Labels),
            header.Classes,
            floats.GetValueOrDefault(UploadPart.Targets),
            header.HasLabels ? [] : header.TargetShape,
            floats.GetValueOrDefault(UploadPart.TestInputs),
            labels.GetValueOrDefault(UploadPart.TestLabels),
            floats.GetValueOrDefault(UploadPart.TestTargets));
        try
        {
            return InMemorySource.Check(samples, "upload");
        }
        catch (JobSpecException e)
        {
            throw new JobSpecException("dataset.uploadId", $"upload '{info.UploadId}': {e.Message}");
        }
    }
}
