using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Checkpoints;
using Orleans.Storage;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The list of submitted jobs and the set of active ones (key <see cref="IJobRegistryGrain.Key"/>), persisted through
/// the checkpoint storage provider (<see cref="CheckpointStore.ProviderName"/>: Redis in a Redis cluster, process
/// memory otherwise), so that a cluster restarted after every silo died still knows which jobs to resume
/// (<see cref="Hosting.ActiveJobResumer"/>). Each call changes the state and writes it before answering; grain calls
/// do not interleave, so two admissions racing for the last place are decided one after the other.
/// </summary>
public sealed class JobRegistryGrain(
    [PersistentState("registry", CheckpointStore.ProviderName)] IPersistentState<JobRegistryState> registry) : Grain, IJobRegistryGrain
{
    private const int WriteAttempts = 3;

    // A change whose write failed (the store was unreachable) is kept in memory and written with the next call, even
    // one that changes nothing more: a caller's retry of the same change would otherwise find nothing to write.
    private bool _unwritten;

    public Task RegisterAsync(JobRegistration registration)
    {
        Check(registration);
        return UpdateAsync(state => (true, state.Add(registration)));
    }

    public Task<JobRegistration[]> ListAsync() => Task.FromResult(registry.State.All());

    public async Task<JobAdmission> AdmitAsync(JobRegistration registration, int maxActiveJobs)
    {
        Check(registration);
        if (maxActiveJobs < 0) throw new ArgumentOutOfRangeException(nameof(maxActiveJobs), maxActiveJobs, "must be 0 (no limit) or positive");
        bool admitted = await UpdateAsync(state =>
        {
            bool added = state.Add(registration);
            var (ok, changed) = state.Admit(registration.JobId, maxActiveJobs);
            return (ok, added || changed);
        });
        return new JobAdmission(admitted, registry.State.ActiveCount);
    }

    public Task EndedAsync(string jobId) => UpdateAsync(state => (true, jobId is not null && state.End(jobId)));

    public Task<string[]> ActiveAsync() => Task.FromResult(registry.State.Active());

    /// <summary>
    /// Applies <paramref name="change"/> and writes the state if it changed. A stale ETag (the registry was briefly
    /// activated twice while a dead silo's directory entries were recovered) re-reads the stored state and applies the
    /// change to it again, so neither activation's changes are lost.
    /// </summary>
    private async Task<T> UpdateAsync<T>(Func<JobRegistryState, (T Result, bool Changed)> change)
    {
        for (int attempt = 1; ; attempt++)
        {
            var (result, changed) = change(registry.State);
            if (!changed && !_unwritten) return result;
            try
            {
                _unwritten = true;
                await registry.WriteStateAsync();
                _unwritten = false;
                return result;
            }
            catch (InconsistentStateException) when (attempt < WriteAttempts)
            {
                await registry.ReadStateAsync();
                _unwritten = false;
            }
        }
    }

    private static void Check(JobRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (string.IsNullOrWhiteSpace(registration.JobId))
            throw new ArgumentException("a job registration needs a job id", nameof(registration));
    }
}
