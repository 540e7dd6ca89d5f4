using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Training;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// What the coordinator knows about its job: state, plan, progress, metrics, the event history and, once the job has
/// ended, the final state dict as one flat vector. Builds the <see cref="JobStatus"/> snapshots clients read.
/// </summary>
internal sealed class TrainingJobState(string jobId, string silo, TimeProvider time)
{
    /// <summary>Older events are dropped beyond this many (the first one, "submitted", is kept).</summary>
    public const int MaxEvents = 1000;

    private readonly List<JobEvent> _events = [];
    private readonly List<EpochMetrics> _epochs = [];
    private WorkerProgress[] _workers = [];
    private double _epochLoss;
    private long _epochSamples;
    private long _epochCorrect;
    private long _epochStarted;

    public string JobId { get; } = jobId;

    public JobState State { get; private set; } = JobState.New;

    public JobPlan? Plan { get; private set; }

    public long Step { get; private set; }

    public int Epoch { get; private set; }

    public double? Loss { get; private set; }

    public double? FirstLoss { get; private set; }

    public double? Accuracy { get; private set; }

    public double SamplesPerSecond { get; private set; }

    public string? FailureReason { get; private set; }

    /// <summary>The state dict (parameters, then rank 0's buffers) once the job has ended; null before, or if it could not be read.</summary>
    public float[]? FinalValues { get; set; }

    public string? CancelReason { get; set; }

    public void AddEvent(string kind, string message)
    {
        if (_events.Count >= MaxEvents) _events.RemoveAt(1);
        _events.Add(new JobEvent(time.GetUtcNow(), kind, message));
    }

    public void Accept(JobPlan plan)
    {
        Plan = plan;
        State = JobState.Starting;
        AddEvent("submitted", $"{plan.ParameterCount} parameters in {plan.Shards.Length} shard(s), {plan.Spec.Workers} worker(s), " +
            $"{plan.Samples} samples, global batch {plan.Spec.BatchSize}, {plan.StepsPerEpoch} step(s) x {plan.Spec.Epochs} epoch(s)");
    }

    public void Started(WorkerInfo[] workers)
    {
        _workers = workers.Select(w => new WorkerProgress(w.Rank, w.Silo, w.Device, 0, 0, 0)).ToArray();
        State = JobState.Running;
        AddEvent("started", string.Join("; ", workers.Select(w => $"worker {w.Rank} on {w.Silo} ({w.Device})")));
    }

    public void BeginEpoch(int epoch)
    {
        Epoch = epoch;
        _epochLoss = 0;
        _epochSamples = 0;
        _epochCorrect = 0;
        _epochStarted = time.GetTimestamp();
    }

    /// <summary>Records a finished step from its workers' results and its wall-clock duration.</summary>
    public void RecordStep(WorkerStepResult[] results, TimeSpan elapsed)
    {
        long samples = results.Sum(r => (long)r.Samples);
        double lossSum = results.Sum(r => r.LossSum);
        long correct = results.Sum(r => (long)r.Correct);
        Step++;
        Loss = lossSum / samples;
        FirstLoss ??= Loss;
        Accuracy = Plan!.HasAccuracy ? (double)correct / samples : null;
        SamplesPerSecond = samples / Math.Max(elapsed.TotalSeconds, 1e-9);
        _epochLoss += lossSum;
        _epochSamples += samples;
        _epochCorrect += correct;
        foreach (var r in results)
        {
            var w = _workers[r.Rank];
            _workers[r.Rank] = w with { LastSamples = r.Samples, LastComputeMilliseconds = r.ComputeMilliseconds, LastReduceMilliseconds = r.ReduceMilliseconds };
        }
    }

    public void EndEpoch()
    {
        double seconds = time.GetElapsedTime(_epochStarted).TotalSeconds;
        var metrics = new EpochMetrics(
            Epoch,
            _epochLoss / _epochSamples,
            Plan!.HasAccuracy ? (double)_epochCorrect / _epochSamples : null,
            _epochSamples,
            seconds,
            _epochSamples / Math.Max(seconds, 1e-9));
        _epochs.Add(metrics);
        AddEvent("epoch", $"epoch {Epoch}: mean loss {metrics.MeanLoss:G6}" + (metrics.Accuracy is double a ? $", accuracy {a:P2}" : string.Empty) + $", {metrics.SamplesPerSecond:F0} samples/s");
    }

    public void End(JobState state, string message, string? failure = null)
    {
        State = state;
        FailureReason = failure;
        AddEvent(state.ToString().ToLowerInvariant(), message);
    }

    public JobStatus Snapshot() => new()
    {
        JobId = JobId,
        State = State,
        Step = Step,
        TotalSteps = Plan?.TotalSteps ?? 0,
        Epoch = Epoch,
        Epochs = Plan?.Spec.Epochs ?? 0,
        Loss = Loss,
        FirstLoss = FirstLoss,
        Accuracy = Accuracy,
        SamplesPerSecond = SamplesPerSecond,
        Parameters = Plan?.ParameterCount ?? 0,
        Shards = Plan?.Shards.Length ?? 0,
        Workers = _workers.ToArray(),
        EpochHistory = _epochs.ToArray(),
        Events = _events.ToArray(),
        FailureReason = FailureReason,
        CoordinatorSilo = silo,
    };
}
