namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The coordinator's barrier over calls to its job's members (a step, an evaluation, a setup, a checkpoint): one
/// timeout for all the calls, the first failure ends the wait, and the late or failed members are named.
/// </summary>
internal sealed class MemberBarrier(SiloWatch watch, TimeProvider time)
{
    /// <summary>How long a barrier waits before it checks, and then every so often, that the job's silos still answer.</summary>
    private static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits for every call, at most <paramref name="timeout"/> in all, and stops at the first failure (the others
    /// may be waiting on the failed one). A failure or a timeout is checked against the cluster: if silos the job uses
    /// are gone it becomes a <see cref="SiloLostException"/>, otherwise it ends the job naming the calls at fault.
    /// With <paramref name="progress"/> (calls that run several steps), the timeout is per step: when it passes,
    /// <paramref name="progress"/> says what the calls are at now if they got further since it was last asked (the wait
    /// goes on for another <paramref name="timeout"/>, and that becomes what a failure names), or null if not.
    /// </summary>
    public async Task WaitAsync(Task[] calls, TimeSpan timeout, string what, Func<int, string> name, Func<Task<string?>>? progress = null)
    {
        long started = time.GetTimestamp();
        var pending = new List<Task>(calls);
        var lost = watch.Lost;
        var probe = Task.Delay(ProbeAfter, time);
        while (pending.Count > 0)
        {
            var remaining = timeout - time.GetElapsedTime(started);
            Task done;
            try
            {
                done = await Task.WhenAny(pending.Append(lost).Append(probe)).WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
            }
            catch (TimeoutException)
            {
                if (progress is not null && await progress() is { } now)
                {
                    what = now;
                    started = time.GetTimestamp();
                    continue;
                }

                var late = Enumerable.Range(0, calls.Length).Where(i => !calls[i].IsCompleted);
                await FailAsync($"{what} timed out after {timeout.TotalSeconds:0.###} s: no answer from {string.Join(", ", late.Select(name))}");
                return;
            }

            if (done == lost)
            {
                throw new SiloLostException(lost.Result, $"membership declared them dead during {what}");
            }

            if (done == probe)
            {
                // A call to a silo killed mid-call waits for Orleans' response timeout; asking the silos is quicker.
                var gone = await watch.FindLostAsync();
                if (gone.Count > 0) throw new SiloLostException(gone, $"they stopped answering during {what}");
                probe = Task.Delay(ProbeAfter, time);
                continue;
            }

            if (done.IsFaulted || done.IsCanceled)
            {
                int failed = Array.IndexOf(calls, done);
                var error = done.Exception?.InnerException ?? new TaskCanceledException();
                await FailAsync($"{what} failed on {name(failed)}: {error.GetType().Name}: {error.Message}", error);
                return;
            }

            pending.Remove(done);
        }
    }

    /// <summary>
    /// Throws <see cref="SiloLostException"/> when silos the job uses are gone, or when the call failed to reach a silo
    /// (a dead silo the cluster has not fully forgotten yet: its directory entries, its connections); otherwise
    /// <see cref="JobFailedException"/>.
    /// </summary>
    private async Task FailAsync(string reason, Exception? error = null)
    {
        var lost = await watch.FindLostAsync();
        if (lost.Count > 0) throw new SiloLostException(lost, reason);
        if (SiloWatch.IsUnreachable(error)) throw new SiloLostException(["an unreachable silo"], reason);
        throw new JobFailedException(reason);
    }
}
