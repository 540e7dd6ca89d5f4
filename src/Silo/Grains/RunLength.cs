using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Training;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// How many consecutive steps the coordinator asks the workers for in one run (<see cref="Contracts.Messages.StepRun"/>):
/// as many as the last run's pace fits in <see cref="StepRunOptions.Target"/>, at most
/// <see cref="StepRunOptions.MaxSteps"/>, and never past the epoch's last batch (evaluation, epoch metrics and schedules
/// come between epochs), the next checkpoint or the job's last step. The first run of a formation is one step: its
/// time is mostly JIT and warm-up, not the pace.
/// </summary>
/// <remarks>
/// One call per run instead of one per step; and the coordinator queues the next run behind the one in flight, so the
/// round trip (about 4 ms between two pinned silo processes here) is off the workers' path. The target bounds what
/// runs cost in responsiveness: the job's status moves on at the end of a run, and a cancel takes effect at the end of
/// the run queued behind the one in flight.
/// </remarks>
internal sealed class RunLength(StepRunOptions options)
{
    private readonly int _max = Math.Max(1, options.MaxSteps);
    private readonly double _targetMs = options.Target.TotalMilliseconds;
    private int _paced = 1;

    /// <summary>The length of the run that starts at <paramref name="step"/>: at least one step.</summary>
    public int For(JobPlan plan, long step)
    {
        ArgumentNullException.ThrowIfNull(plan);
        long limit = Math.Min(plan.StepsPerEpoch - (step % plan.StepsPerEpoch), plan.TotalSteps - step);
        int interval = plan.Spec.CheckpointInterval;
        if (interval > 0) limit = Math.Min(limit, interval - (step % interval));
        return (int)Math.Max(1, Math.Min(_paced, limit));
    }

    /// <summary>Takes the pace of a run of <paramref name="steps"/> steps that took <paramref name="elapsed"/>.</summary>
    public void Observe(int steps, TimeSpan elapsed)
    {
        if (steps <= 0) return;
        double perStep = elapsed.TotalMilliseconds / steps;
        _paced = perStep <= 0 ? _max : (int)Math.Clamp(_targetMs / perStep, 1, _max);
    }

    /// <summary>Starts over at one step (a new formation: new workers warm up).</summary>
    public void Reset() => _paced = 1;
}
