namespace Autograd.Cluster.Silo.Datasets;

/// <summary>Which part of a dataset: the samples a job trains on, or the held-out samples it is evaluated on.</summary>
public enum DatasetSplit
{
    Train,
    Test,
}
