namespace Autograd.Cluster.Contracts.Messages;

/// <summary>One entry of the <see cref="IJobRegistryGrain"/>: the job's id, when it was submitted and a short description.</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.JobRegistration")]
public sealed record JobRegistration(
    [property: Id(0)] string JobId,
    [property: Id(1)] DateTimeOffset SubmittedAt,
    [property: Id(2)] string Description);
