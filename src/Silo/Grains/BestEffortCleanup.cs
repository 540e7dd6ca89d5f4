using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The coordinator's calls whose failure no longer matters (aborting or releasing members, deleting an old checkpoint):
/// each batch is waited for a short while, and a failure is only logged.
/// </summary>
internal sealed class BestEffortCleanup(string jobId, TimeProvider time, ILogger logger)
{
    /// <summary>How long the coordinator waits for a call that must not hold up the job: a cleanup, a registration, a last read.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Waits a short while for calls whose failure no longer matters (cleanup of an ending job).</summary>
    public async Task WaitAsync(IEnumerable<Task> calls)
    {
        try
        {
            await Task.WhenAll(calls).WaitAsync(Timeout, time);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Job {JobId}: cleanup call failed", jobId);
        }
    }
}
