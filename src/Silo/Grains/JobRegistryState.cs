using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The registry's persisted state: the jobs in order of first registration, each id once, the oldest dropped beyond
/// <see cref="IJobRegistryGrain.MaxJobs"/>, and the ids of the active jobs in order of admission. Every change answers
/// whether it changed anything, so the grain writes only when it did.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.Silo.JobRegistryState")]
public sealed class JobRegistryState
{
    // An index over Jobs, rebuilt after a read from storage (it is not persisted).
    [NonSerialized]
    private Dictionary<string, JobRegistration>? _byId;

    /// <summary>Every registered job, oldest first.</summary>
    [Id(0)]
    public List<JobRegistration> Jobs { get; set; } = [];

    /// <summary>The active jobs' ids, in order of admission.</summary>
    [Id(1)]
    public List<string> ActiveJobs { get; set; } = [];

    public int ActiveCount => ActiveJobs.Count;

    /// <summary>Marks the job active unless <paramref name="maxActive"/> (0 = no limit) others are; an active job is admitted again.</summary>
    /// <returns>Whether it was admitted, and whether the state changed.</returns>
    public (bool Admitted, bool Changed) Admit(string jobId, int maxActive)
    {
        if (ActiveJobs.Contains(jobId, StringComparer.Ordinal)) return (true, false);
        if (maxActive > 0 && ActiveJobs.Count >= maxActive) return (false, false);
        ActiveJobs.Add(jobId);
        return (true, true);
    }

    /// <summary>Marks the job no longer active; whether it was.</summary>
    public bool End(string jobId) => ActiveJobs.Remove(jobId);

    public string[] Active() => [.. ActiveJobs];

    /// <summary>Adds the registration unless its id is known; whether it was added.</summary>
    public bool Add(JobRegistration registration)
    {
        var byId = Index();
        if (byId.ContainsKey(registration.JobId)) return false;
        byId[registration.JobId] = registration;
        Jobs.Add(registration);
        int excess = Jobs.Count - IJobRegistryGrain.MaxJobs;
        if (excess > 0)
        {
            foreach (var dropped in Jobs.Take(excess)) byId.Remove(dropped.JobId);
            Jobs.RemoveRange(0, excess);
        }

        return true;
    }

    public JobRegistration[] All() => [.. Jobs];

    private Dictionary<string, JobRegistration> Index()
    {
        if (_byId is null)
        {
            _byId = new Dictionary<string, JobRegistration>(StringComparer.Ordinal);
            foreach (var job in Jobs) _byId.TryAdd(job.JobId, job);
        }

        return _byId;
    }
}
