namespace Autograd.Cluster.Contracts.Messages;

/// <summary>Run global step <see cref="Step"/>: batch <see cref="BatchInEpoch"/> of epoch <see cref="Epoch"/>.</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.StepCommand")]
public sealed record StepCommand(
    [property: Id(0)] long Step,
    [property: Id(1)] int Epoch,
    [property: Id(2)] int BatchInEpoch);
