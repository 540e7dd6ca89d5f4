using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>The registry's jobs in order of first registration, each id once, the oldest dropped beyond <see cref="IJobRegistryGrain.MaxJobs"/>.</summary>
internal sealed class JobRegistryState
{
    private readonly LinkedList<JobRegistration> _order = new();
    private readonly Dictionary<string, LinkedListNode<JobRegistration>> _byId = new(StringComparer.Ordinal);
    private readonly List<string> _active = [];

    public int ActiveCount => _active.Count;

    /// <summary>Marks the job active unless <paramref name="maxActive"/> (0 = no limit) others are; an active job is admitted again.</summary>
    public bool Admit(string jobId, int maxActive)
    {
        if (_active.Contains(jobId, StringComparer.Ordinal)) return true;
        if (maxActive > 0 && _active.Count >= maxActive) return false;
        _active.Add(jobId);
        return true;
    }

    public void End(string jobId) => _active.Remove(jobId);

    public string[] Active() => [.. _active];

    public void Add(JobRegistration registration)
    {
        if (_byId.ContainsKey(registration.JobId)) return;
        _byId[registration.JobId] = _order.AddLast(registration);
        while (_order.Count > IJobRegistryGrain.MaxJobs)
        {
            _byId.Remove(_order.First!.Value.JobId);
            _order.RemoveFirst();
        }
    }

    public JobRegistration[] All() => [.. _order];
}
