using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The list of submitted jobs (key <see cref="IJobRegistryGrain.Key"/>), in memory: jobs in order of first
/// registration, at most <see cref="IJobRegistryGrain.MaxJobs"/>.
/// </summary>
public sealed class JobRegistryGrain : Grain, IJobRegistryGrain
{
    private readonly JobRegistryState _state = new();

    public Task RegisterAsync(JobRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (string.IsNullOrWhiteSpace(registration.JobId))
            throw new ArgumentException("a job registration needs a job id", nameof(registration));
        _state.Add(registration);
        // Jobs come rarely and clients list them at any time: keep the list alive as long as the silo runs.
        DelayDeactivation(TimeSpan.FromDays(1));
        return Task.CompletedTask;
    }

    public Task<JobRegistration[]> ListAsync() => Task.FromResult(_state.All());

    public async Task<JobAdmission> AdmitAsync(JobRegistration registration, int maxActiveJobs)
    {
        await RegisterAsync(registration);
        bool admitted = _state.Admit(registration.JobId, maxActiveJobs);
        return new JobAdmission(admitted, _state.ActiveCount);
    }

    public Task EndedAsync(string jobId)
    {
        _state.End(jobId);
        return Task.CompletedTask;
    }

    public Task<string[]> ActiveAsync() => Task.FromResult(_state.Active());
}
