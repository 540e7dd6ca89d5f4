namespace Autograd.Cluster.Silo.Datasets;

/// <summary>A checked in-memory dataset: its training split, its test split (null when none) and its class count (0 for float targets).</summary>
internal sealed record InMemoryDataset(SampleSet Train, SampleSet? Test, int Classes)
{
    public SampleSet? Split(DatasetSplit split) => split == DatasetSplit.Train ? Train : Test;
}
