using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Telemetry;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The coordinator's side of a <see cref="StepRun"/>: one call per worker for the whole run, sent ahead while the run
/// before it is in progress (<see cref="Dispatch"/>), the step timeout applied per step (the barrier asks the workers
/// how far they got whenever it passes), the other workers stopped after a worker's non-finite step when the job stops
/// on one, and the results gathered step by step.
/// </summary>
internal sealed class StepRunner(string jobId, MemberBarrier barrier, BestEffortCleanup cleanup, TimeProvider time)
{
    /// <summary>The longest the barrier waits for the workers to say how far a run got.</summary>
    private static readonly TimeSpan ProgressTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often a worker is asked again for a run that reached it before the run it follows (1, 2, ... ms apart).</summary>
    private const int MaxEarlyRetries = 20;

    /// <summary>
    /// Sends <paramref name="run"/> to <paramref name="workers"/> (by rank) without waiting: a worker busy with a run
    /// queues it behind that one and goes on with it as soon as that one ends, with no coordinator round trip between
    /// them (~4 ms between two pinned silo processes here, on the critical path of every run otherwise).
    /// </summary>
    public DispatchedRun Dispatch(IReadOnlyList<WorkerSlot> workers, StepRun run)
    {
        // The calls go out in the first step's trace (Activity.Current), set on a copy of the caller's context: this
        // method is not async, and the caller's own activity cannot be set back once stopped (the submit's call, long
        // answered), so the first step's span would otherwise stay the coordinator's activity for its next calls.
        var context = ExecutionContext.Capture();
        if (context is null) return Send(workers, run);
        DispatchedRun? sent = null;
        ExecutionContext.Run(context, _ => sent = Send(workers, run), null);
        return sent!;
    }

    private DispatchedRun Send(IReadOnlyList<WorkerSlot> workers, StepRun run)
    {
        var grains = workers.Select(w => w.Grain).ToArray();
        long dispatchedAt = time.GetTimestamp();
        var spans = StartSpans(run);
        var traced = spans is null ? run : run with { TraceParents = spans.Select(s => s?.Id ?? string.Empty).ToArray() };
        var givenUp = new CancellationTokenSource();
        var calls = grains.Select((_, rank) => CallAsync(grains, rank, traced, givenUp.Token)).ToArray();
        return new DispatchedRun(run, grains, calls, spans, dispatchedAt, givenUp);
    }

    /// <summary>
    /// Waits for a dispatched run and answers each step's results, by step then by rank, its steps timed from
    /// <paramref name="started"/> (its dispatch, or the end of the run it was queued behind). Fewer steps than the
    /// run's count only when it stopped at a non-finite step (<see cref="StepRun.StopOnNonFinite"/>): that step is the
    /// last one answered. The step timeout counts from now.
    /// </summary>
    public async Task<WorkerStepResult[][]> CompleteAsync(DispatchedRun dispatched, DateTime started, TimeSpan stepTimeout, Func<int, string> name)
    {
        ArgumentNullException.ThrowIfNull(dispatched);
        var run = dispatched.Run;
        WorkerStepResult[][] steps;
        try
        {
            await barrier.WaitAsync(dispatched.Calls, stepTimeout, Describe(run, 0), name, Progress(dispatched.Grains, run));
            steps = Gather(run, dispatched.Calls.Select(c => c.Result).ToArray());
        }
        catch
        {
            dispatched.GivenUp.Cancel();
            EndSpans(dispatched.Spans, started, []);
            throw;
        }

        EndSpans(dispatched.Spans, started, steps);
        return steps;
    }

    /// <summary>
    /// Lets go of a dispatched run the job will not wait for (the run before it failed or stopped the job): its steps'
    /// spans end as not run, and its calls are observed whenever they end (the workers are stopped or aborted by then).
    /// </summary>
    public void Abandon(DispatchedRun dispatched)
    {
        ArgumentNullException.ThrowIfNull(dispatched);
        dispatched.GivenUp.Cancel();
        EndSpans(dispatched.Spans, time.GetUtcNow().UtcDateTime, []);
        _ = Task.WhenAll(dispatched.Calls).ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>How the job's events and errors name step <see cref="StepRun.FirstStep"/> + <paramref name="index"/>.</summary>
    public static string Describe(StepRun run, int index) =>
        $"step {run.FirstStep + index} (epoch {run.Epoch}, batch {run.FirstBatch + index})";

    /// <summary>A step's wall time: its slowest worker's, from its batch to its updated parameters.</summary>
    public static TimeSpan StepTime(WorkerStepResult[] results) =>
        TimeSpan.FromMilliseconds(results.Max(r => r.ComputeMilliseconds + r.ReduceMilliseconds));

    /// <summary>
    /// One worker's run. When it stopped at a non-finite step, the others are told to stop after that step too: they
    /// ran it (the shards needed every worker's part of it) and would otherwise wait at the next one for it forever.
    /// </summary>
    private async Task<StepRunResult> CallAsync(IWorkerGrain[] grains, int rank, StepRun run, CancellationToken givenUp)
    {
        var result = await grains[rank].RunStepsAsync(run);
        // A queued run that overtook the run it follows on the way (it was sent after it): asked again, behind it, as
        // long as the coordinator waits for it.
        for (int attempt = 1; result.Early && attempt <= MaxEarlyRetries; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(attempt), time, givenUp);
            result = await grains[rank].RunStepsAsync(run);
        }

        if (result.Early)
            throw new JobFailedException($"worker {rank} was still short of {Describe(run, 0)} after {MaxEarlyRetries} tries: the run before it never reached it");
        if (run.StopOnNonFinite && result.Steps is [.., { NonFinite: true } last] && last.Step < run.LastStep)
            _ = cleanup.WaitAsync(grains.Where((_, r) => r != rank).Select(g => g.StopRunAsync(last.Step)));
        return result;
    }

    /// <summary>
    /// What the barrier asks when the step timeout passes: the step the slowest worker is at, if that is further than
    /// when it last asked (the wait goes on); null when it is not, or the workers do not answer (the run has timed out).
    /// </summary>
    private Func<Task<string?>> Progress(IWorkerGrain[] grains, StepRun run)
    {
        long seen = run.FirstStep;
        return async () =>
        {
            long slowest;
            try
            {
                slowest = (await Task.WhenAll(grains.Select(g => g.GetNextStepAsync())).WaitAsync(ProgressTimeout, time)).Min();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return null;
            }

            if (slowest <= seen) return null;
            seen = slowest;
            return Describe(run, (int)(Math.Min(slowest, run.LastStep) - run.FirstStep));
        };
    }

    /// <summary>The workers' results by step, checked: every worker ran the same consecutive steps of the run.</summary>
    private static WorkerStepResult[][] Gather(StepRun run, StepRunResult[] results)
    {
        int count = results[0].Steps.Length;
        for (int rank = 0; rank < results.Length; rank++)
        {
            var mine = results[rank].Steps;
            if (mine.Length != count || mine.Where((r, i) => r.Step != run.FirstStep + i || r.Rank != rank).Any())
                throw new JobFailedException($"the workers disagree on the steps they ran of steps {run.FirstStep}-{run.LastStep}: " +
                    string.Join("; ", results.Select((r, i) => $"worker {i} ran {r.Steps.Length}")));
        }

        bool stoppedAtNonFinite = count > 0 && run.StopOnNonFinite && results.Any(r => r.Steps[^1].NonFinite);
        if (count != run.Count && !stoppedAtNonFinite)
            throw new JobFailedException($"the workers ran {count} of the {run.Count} steps {run.FirstStep}-{run.LastStep} and stopped without a reason");
        return Enumerable.Range(0, count).Select(i => results.Select(r => r.Steps[i]).ToArray()).ToArray();
    }

    /// <summary>
    /// The coordinator's span of every step of the run, each the root of its own trace (<see cref="TrainingTelemetry.StartStep(string, long, Activity?)"/>),
    /// started now and timed when the results are in; the workers' spans of step i are children of span i. Null when
    /// nobody listens. The calls to the workers go out in the first step's trace.
    /// </summary>
    private Activity?[]? StartSpans(StepRun run)
    {
        if (!TrainingTelemetry.ActivitySource.HasListeners()) return null;
        var caller = Activity.Current;
        var spans = new Activity?[run.Count];
        for (int i = 0; i < run.Count; i++) spans[i] = TrainingTelemetry.StartStep(jobId, run.FirstStep + i, caller);

        Activity.Current = spans[0] ?? caller;
        return spans;
    }

    /// <summary>
    /// Ends the run's step spans: step i from the end of step i - 1 (the first from the dispatch), lasting its slowest
    /// worker's time; a step the run did not complete is ended as an error.
    /// </summary>
    private static void EndSpans(Activity?[]? spans, DateTime dispatched, WorkerStepResult[][] steps)
    {
        if (spans is null) return;
        var at = dispatched;
        for (int i = 0; i < spans.Length; i++)
        {
            if (spans[i] is not { } span) continue;
            if (i < steps.Length)
            {
                span.SetStartTime(at);
                at += StepTime(steps[i]);
                span.SetEndTime(at);
            }
            else
            {
                span.SetStatus(ActivityStatusCode.Error, "the run ended before this step");
            }

            span.Dispose();
        }
    }
}
