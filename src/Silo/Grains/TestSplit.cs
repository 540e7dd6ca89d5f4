using Autograd.Cluster.Silo.Datasets;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>A worker's test split once looked up: the data, or none (so the lookup is not repeated every epoch).</summary>
internal sealed record TestSplit(TrainingData? Data)
{
    public static readonly TestSplit None = new((TrainingData?)null);
}
