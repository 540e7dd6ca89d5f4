namespace Autograd.Cluster.Contracts.Messages;

/// <summary>The answer of <see cref="IJobRegistryGrain.AdmitAsync"/>: whether the job may run, and how many jobs are active (it included when admitted).</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.JobAdmission")]
public sealed record JobAdmission(
    [property: Id(0)] bool Admitted,
    [property: Id(1)] int ActiveJobs);
