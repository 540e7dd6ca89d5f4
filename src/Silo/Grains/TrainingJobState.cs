using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Checkpoints;
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
    private TimeSpan _epochTraining;

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

    /// <summary>The number of workers the job runs on now.</summary>
    public int WorldSize { get; private set; }

    public int Recoveries { get; private set; }

    public long RedoneSteps { get; private set; }

    public long SkippedSteps { get; private set; }

    public long? LastCheckpointStep { get; private set; }

    public double? TestLoss { get; private set; }

    public double? TestAccuracy { get; private set; }

    /// <summary>The events, oldest first (for the persisted record).</summary>
    public IReadOnlyList<JobEvent> Events => _events;

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

    public void Started(WorkerInfo[] workers, string kind = "started", string? prefix = null)
    {
        _workers = workers.Select(w => new WorkerProgress(w.Rank, w.Silo, w.Device, 0, 0, 0)).ToArray();
        WorldSize = workers.Length;
        State = JobState.Running;
        AddEvent(kind, prefix + string.Join("; ", workers.Select(w => $"worker {w.Rank} on {w.Silo} ({w.Device})")));
    }

    /// <summary>Rewinds progress and metrics to <paramref name="checkpoint"/> (null: the start of the job), counting the steps that will run again.</summary>
    public void RestoreFrom(JobCheckpoint? checkpoint, bool countRedone)
    {
        long step = checkpoint?.Step ?? 0;
        if (countRedone) RedoneSteps += Math.Max(0, Step - step);
        Step = step;
        int steps = Plan!.StepsPerEpoch;
        Epoch = (int)Math.Min(step / steps, Plan.Spec.Epochs - 1);
        _epochs.Clear();
        _epochs.AddRange(checkpoint?.EpochHistory ?? []);
        _epochLoss = checkpoint?.EpochLossSum ?? 0;
        _epochSamples = checkpoint?.EpochSamples ?? 0;
        _epochCorrect = checkpoint?.EpochCorrect ?? 0;
        _epochStarted = time.GetTimestamp() - (long)((checkpoint?.EpochSeconds ?? 0) * time.TimestampFrequency);
        _epochTraining = TimeSpan.FromSeconds(checkpoint?.EpochTrainingSeconds ?? 0);
        FirstLoss = checkpoint?.FirstLoss;
        SkippedSteps = checkpoint?.SkippedSteps ?? 0;
        var last = _epochs.Count > 0 ? _epochs[^1] : null;
        TestLoss = last?.TestLoss;
        TestAccuracy = last?.TestAccuracy;
    }

    /// <summary>The coordinator's part of a checkpoint taken now, after <see cref="Step"/> steps.</summary>
    public JobCheckpoint Checkpoint(CheckpointReference shards, FloatBlock buffers) => new()
    {
        Step = Step,
        Shards = shards,
        Buffers = buffers,
        EpochHistory = _epochs.ToArray(),
        EpochLossSum = _epochLoss,
        EpochSamples = _epochSamples,
        EpochCorrect = _epochCorrect,
        EpochSeconds = time.GetElapsedTime(_epochStarted).TotalSeconds,
        EpochTrainingSeconds = _epochTraining.TotalSeconds,
        FirstLoss = FirstLoss,
        SkippedSteps = SkippedSteps,
        Written = time.GetUtcNow(),
    };

    public void CheckpointCommitted(long step) => LastCheckpointStep = step;

    public void Recovering(string reason)
    {
        Recoveries++;
        State = JobState.Starting;
        AddEvent("recovering", reason);
    }

    /// <summary>A failed or cancelled job starts again (from its last checkpoint).</summary>
    public void Resuming(string message)
    {
        State = JobState.Starting;
        FailureReason = null;
        CancelReason = null;
        FinalValues = null;
        Recoveries++;
        AddEvent("resumed", message);
    }

    /// <summary>A step whose update the shards dropped for a non-finite loss or gradient.</summary>
    public void RecordSkipped(string what, double loss)
    {
        Step++;
        SkippedSteps++;
        AddEvent("step-skipped", $"{what}: the loss is {loss} (or a gradient is not finite); the update was dropped");
    }

    public void RecordTest(double loss, double? accuracy)
    {
        TestLoss = loss;
        TestAccuracy = accuracy;
    }

    /// <summary>The state a re-activated coordinator starts from: the persisted record of its predecessor.</summary>
    public void Reload(JobRecord record, JobPlan plan)
    {
        Plan = plan;
        State = record.State;
        FailureReason = record.FailureReason;
        Recoveries = record.Recoveries;
        RedoneSteps = record.RedoneSteps;
        WorldSize = record.WorldSize;
        LastCheckpointStep = record.Checkpoint?.Step;
        _events.Clear();
        _events.AddRange(record.Events);
        RestoreFrom(record.Checkpoint, countRedone: false);
        if (record.State is JobState.Completed or JobState.Failed or JobState.Cancelled)
        {
            Step = record.Step;
            _epochs.Clear();
            _epochs.AddRange(record.EpochHistory);
            var last = _epochs.Count > 0 ? _epochs[^1] : null;
            TestLoss = last?.TestLoss;
            TestAccuracy = last?.TestAccuracy;
        }
    }

    /// <summary>The persisted record of the job as it stands.</summary>
    public JobRecord ToRecord(JobCheckpoint? checkpoint, int generation, int[] workerSlots, string[] memberSilos, int finalChunks, long finalLength) => new()
    {
        Spec = Plan!.Spec,
        State = State,
        FailureReason = FailureReason,
        Checkpoint = checkpoint,
        Generation = generation,
        Recoveries = Recoveries,
        RedoneSteps = RedoneSteps,
        Events = _events.Skip(Math.Max(0, _events.Count - JobRecord.MaxEvents)).ToArray(),
        FinalChunks = finalChunks,
        FinalLength = finalLength,
        Step = Step,
        EpochHistory = _epochs.ToArray(),
        WorldSize = WorldSize,
        WorkerSlots = workerSlots,
        MemberSilos = memberSilos,
    };

    public void BeginEpoch(int epoch)
    {
        Epoch = epoch;
        _epochLoss = 0;
        _epochSamples = 0;
        _epochCorrect = 0;
        _epochStarted = time.GetTimestamp();
        _epochTraining = TimeSpan.Zero;
    }

    /// <summary>A run of training steps of the current epoch took <paramref name="elapsed"/> (the coordinator's wall clock).</summary>
    public void RecordRunTime(TimeSpan elapsed) => _epochTraining += elapsed;

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
            _epochSamples / Math.Max(seconds, 1e-9),
            TestLoss,
            TestAccuracy,
            _epochTraining.TotalSeconds);
        _epochs.Add(metrics);
        AddEvent("epoch", $"epoch {Epoch}: mean loss {metrics.MeanLoss:G6}" + (metrics.Accuracy is double a ? $", accuracy {a:P2}" : string.Empty) + $", {metrics.SamplesPerSecond:F0} samples/s"
            + (metrics.TestLoss is double tl ? $"; test loss {tl:G6}" + (metrics.TestAccuracy is double ta ? $", test accuracy {ta:P2}" : string.Empty) : string.Empty));
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
        WorldSize = WorldSize,
        Recoveries = Recoveries,
        LastCheckpointStep = LastCheckpointStep,
        SkippedSteps = SkippedSteps,
        RedoneSteps = RedoneSteps,
        TestLoss = TestLoss,
        TestAccuracy = TestAccuracy,
    };
}
