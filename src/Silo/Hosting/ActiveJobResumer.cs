using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Status;
using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// Resumes the cluster's active jobs when this silo becomes active, so that jobs that were running when every silo
/// died go on from their last checkpoints with no client call. Once the number of active silos has settled
/// (<see cref="JobResumeOptions"/>), it reads <see cref="IJobRegistryGrain.ActiveAsync"/> and asks each job's
/// coordinator for its status: that activates a coordinator whose silo died, and its activation continues a running
/// job from the job's record by itself. Jobs the registry holds as active that have ended (or were never accepted) are
/// marked ended. Registered with Redis checkpoint storage only (<c>SiloBuilderExtensions.AddAutogradTraining</c>):
/// a cluster whose storage is process memory cannot outlive its silos.
/// </summary>
/// <remarks>
/// Every silo does this when it starts, also one joining a healthy cluster: a poke is only a status call, so it changes
/// nothing for a coordinator that is active, and the grain directory keeps one activation per job, so the coordinator
/// cannot run twice. It runs in the background: a silo's start never waits for it, and a failure is only logged.
/// </remarks>
public sealed class ActiveJobResumer(
    IGrainFactory grains,
    IClusterMembershipService membership,
    JobResumeOptions options,
    TimeProvider time,
    ILogger<ActiveJobResumer> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How long one call (the registry, a coordinator's activation) may take before it is tried again.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private const int Attempts = 5;

    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(ActiveJobResumer), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);
    }

    /// <summary>Waits for the membership to settle, then resumes every active job; answers how many it found active.</summary>
    public async Task<int> ResumeAsync(CancellationToken cancellationToken)
    {
        int silos = await SettleAsync(cancellationToken);
        var registry = grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        var active = await RetryAsync(() => registry.ActiveAsync(), "reading the active jobs", cancellationToken);
        if (active is null || active.Length == 0) return 0;
        logger.LogInformation("Resuming {Jobs} active job(s) with {Silos} active silo(s): {Ids}", active.Length, silos, string.Join(", ", active));
        await Task.WhenAll(active.Select(id => PokeAsync(registry, id, cancellationToken)));
        return active.Length;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        var stop = _stop.Token;
        _run = Task.Run(async () =>
        {
            try
            {
                await ResumeAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The silo is stopping.
            }
            catch (Exception e)
            {
                logger.LogError(e, "Resuming the active jobs failed");
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping does not wait for a call in flight.
        }
    }

    /// <summary>Waits until the number of active silos has not changed for the settle time (at most the maximum wait); answers it.</summary>
    private async Task<int> SettleAsync(CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp(), changed = started;
        int count = ActiveSilos();
        while (time.GetElapsedTime(changed) < options.Settle && time.GetElapsedTime(started) < options.MaxWait)
        {
            await Task.Delay(Poll, time, cancellationToken);
            int now = ActiveSilos();
            if (now == count) continue;
            count = now;
            changed = time.GetTimestamp();
        }

        return count;
    }

    private int ActiveSilos() => membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);

    /// <summary>Activates the job's coordinator (a running job goes on from its checkpoint); an ended job leaves the active set.</summary>
    private async Task PokeAsync(IJobRegistryGrain registry, string jobId, CancellationToken cancellationToken)
    {
        var status = await RetryAsync(() => grains.GetGrain<ITrainingJobGrain>(jobId).GetStatusAsync(), $"activating job {jobId}", cancellationToken);
        if (status is null) return;
        if (status.IsFinished || status.State == JobState.New)
        {
            // It ended while the registry could not be told (or its record is gone): nothing to resume, ever.
            await RetryAsync(async () =>
            {
                await registry.EndedAsync(jobId);
                return true;
            }, $"marking job {jobId} ended", cancellationToken);
            return;
        }

        logger.LogInformation("Job {JobId}: {State} at step {Step} of {Total}, coordinator on {Silo}", jobId, status.State, status.Step, status.TotalSteps, status.CoordinatorSilo);
    }

    /// <summary>A call tried a few times (the cluster may still be forming: silos dying, the store briefly unreachable); null when every attempt failed.</summary>
    private async Task<T?> RetryAsync<T>(Func<Task<T>> call, string what, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call().WaitAsync(CallTimeout, time, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= Attempts)
                {
                    logger.LogWarning(e, "Resuming the active jobs: {What} failed {Attempts} times", what, Attempts);
                    return default;
                }

                await Task.Delay(RetryDelay, time, cancellationToken);
            }
        }
    }
}
