namespace Autograd.Cluster.Cli.Evaluation;

/// <summary>A model's mean loss and accuracy (classification only) over <see cref="Samples"/> samples of a split (<c>test</c>, or <c>training</c> when the dataset has no test split).</summary>
internal sealed record EvaluationResult(string Split, int Samples, double Loss, double? Accuracy);
