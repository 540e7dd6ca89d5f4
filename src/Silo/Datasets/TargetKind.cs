namespace Autograd.Cluster.Silo.Datasets;

/// <summary>How a dataset's targets are stored, which follows from its labels and the job's loss.</summary>
public enum TargetKind
{
    /// <summary>Int64 class indices [n] (cross-entropy).</summary>
    Labels,

    /// <summary>Float one-hot rows [n, classes] made from class labels (bce-with-logits, mse).</summary>
    OneHot,

    /// <summary>Float values [n, ...target shape] (regression, uploaded targets).</summary>
    Values,
}
