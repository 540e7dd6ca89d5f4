using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Contracts;

/// <summary>
/// The cluster's list of submitted jobs (one grain, key <see cref="Key"/>), so that a client can list jobs it did not
/// submit itself. Registration is idempotent: the coordinator and the client that submitted a job may both register it.
/// The list lives in the grain's memory: it is lost with the silo that holds it.
/// </summary>
[Alias("Autograd.Cluster.IJobRegistryGrain")]
public interface IJobRegistryGrain : IGrainWithStringKey
{
    /// <summary>The one registry's key.</summary>
    public const string Key = "jobs";

    /// <summary>The most jobs kept; the oldest registrations go first beyond it.</summary>
    public const int MaxJobs = 10_000;

    /// <summary>Adds a job (a second registration of the same id keeps the first).</summary>
    [Alias("Register")]
    Task RegisterAsync(JobRegistration registration);

    /// <summary>Every registered job, oldest first.</summary>
    [Alias("List")]
    Task<JobRegistration[]> ListAsync();
}
