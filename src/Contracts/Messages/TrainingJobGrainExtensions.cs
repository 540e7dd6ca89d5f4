using Autograd.Cluster.Contracts.Buffers;

namespace Autograd.Cluster.Contracts.Messages;

/// <summary>Client-side helpers over <see cref="ITrainingJobGrain"/>.</summary>
public static class TrainingJobGrainExtensions
{
    /// <summary>Downloads the final state dict in message-sized reads and splits it into its named entries.</summary>
    public static async Task<IReadOnlyList<NamedTensorData>> DownloadStateDictAsync(this ITrainingJobGrain job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var layout = await job.GetParameterLayoutAsync();
        var flat = new float[layout.TotalElements];
        for (long offset = 0; offset < flat.Length; offset += FloatBlock.MaxFloats)
        {
            int count = (int)Math.Min(FloatBlock.MaxFloats, flat.Length - offset);
            var block = await job.ReadParametersAsync(offset, count);
            block.CopyTo(flat.AsSpan((int)offset, count));
        }

        return layout.Entries
            .Select(e => new NamedTensorData(e.Name, e.Shape, e.DType, flat.AsSpan((int)e.Offset, Numel(e.Shape)).ToArray()))
            .ToList();
    }

    private static int Numel(int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }
}
