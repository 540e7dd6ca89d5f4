namespace Autograd.Cluster.Contracts.Status;

/// <summary>One entry of a job's history: when, what kind (<c>submitted</c>, <c>started</c>, <c>epoch</c>, <c>failed</c>, ...) and the details.</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.JobEvent")]
public sealed record JobEvent(
    [property: Id(0)] DateTimeOffset Timestamp,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Message);
