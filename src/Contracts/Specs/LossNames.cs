namespace Autograd.Cluster.Contracts.Specs;

/// <summary>The loss names a <see cref="JobSpec"/> accepts.</summary>
public static class LossNames
{
    public const string Mse = "mse";
    public const string CrossEntropy = "cross-entropy";
    public const string BceWithLogits = "bce-with-logits";

    public static readonly IReadOnlyList<string> All = [Mse, CrossEntropy, BceWithLogits];
}
