using System.Diagnostics;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// How a worker waits for its step's answers: polling for at most a budget before it blocks, as NCCL and MPI poll for
/// their peers instead of sleeping. A core that goes idle halts, and waking a halted core takes an interrupt through
/// the hypervisor on a VM; the answers of a step come back within a few hundred microseconds, so the sleep costs more
/// than the wait. The poll yields the core to any other runnable thread, and stops when the thread pool has queued work
/// and no idle thread to run it: the answers arrive as thread-pool work (socket completions, the shard's replies), and
/// this thread is one of the pool's, so a pool whose every thread polled (several workers in one process: the CLI's
/// embedded cluster, the tests') would run nothing until the budgets ran out.
/// </summary>
internal static class ExchangeWait
{
    /// <summary>
    /// Returns once <paramref name="exchange"/> has completed, the thread pool has work queued and no idle thread,
    /// <paramref name="budget"/> has passed or <paramref name="cancellationToken"/> is cancelled, whichever comes first; the caller then awaits
    /// the task as usual.
    /// </summary>
    public static void Poll(Task exchange, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        if (budget <= TimeSpan.Zero) return;
        long deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        while (!exchange.IsCompleted && !cancellationToken.IsCancellationRequested && PoolCanSpareThisThread() && Stopwatch.GetTimestamp() < deadline)
        {
            // sched_yield: another runnable thread on this core runs first; with none, the loop polls again.
            if (!Thread.Yield()) Thread.SpinWait(32);
        }
    }

    /// <summary>
    /// Whether a thread of a pool with <paramref name="queuedItems"/> waiting, <paramref name="threads"/> threads and
    /// <paramref name="runningItems"/> of them running an item (this one among them) may go on polling: while nothing is
    /// queued, or while an idle thread is there to take it.
    /// </summary>
    internal static bool MayKeepPolling(long queuedItems, int threads, int runningItems) => queuedItems == 0 || threads > runningItems;

    private static bool PoolCanSpareThisThread()
    {
        long queued = ThreadPool.PendingWorkItemCount;
        if (queued == 0) return true;
        // Available = most - running.
        ThreadPool.GetAvailableThreads(out int available, out _);
        ThreadPool.GetMaxThreads(out int most, out _);
        return MayKeepPolling(queued, ThreadPool.ThreadCount, most - available);
    }
}
