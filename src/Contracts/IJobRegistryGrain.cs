using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Contracts;

/// <summary>
/// The cluster's list of submitted jobs (one grain, key <see cref="Key"/>), so that a client can list jobs it did not
/// submit itself, and the set of active jobs: admission against the cluster's concurrent-job limit, and the jobs a
/// restarted cluster must resume. Registration is idempotent: the coordinator and the client that submitted a job may
/// both register it.
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

    /// <summary>
    /// Registers the job and marks it active unless <paramref name="maxActiveJobs"/> (0 = no limit) jobs are active
    /// already; a job that is active already is admitted again (a resume, a re-activated coordinator). Atomic: two
    /// submits racing for the last place cannot both get it.
    /// </summary>
    [Alias("Admit")]
    Task<JobAdmission> AdmitAsync(JobRegistration registration, int maxActiveJobs);

    /// <summary>Marks the job no longer active (it completed, failed or was cancelled); unknown ids are ignored.</summary>
    [Alias("Ended")]
    Task EndedAsync(string jobId);

    /// <summary>The ids of the active jobs, in order of admission.</summary>
    [Alias("Active")]
    Task<string[]> ActiveAsync();
}
