using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Checkpoints;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Training;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Autograd.Cluster.Silo.Telemetry;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The coordinator of one job (key = job id). Submit checks the spec and creates the seeded parameters once; a
/// background loop on the grain's scheduler then activates the shards with their slices, the workers (which load the
/// same parameters from the shards), and runs the synchronous steps in runs of consecutive steps (one call per worker
/// per run, <see cref="StepRunner"/>; the shards keep the workers in step), with the spec's step timeout per step.
/// Every <see cref="JobSpec.CheckpointInterval"/> steps and at every epoch end the shards write their slices and the
/// coordinator its <see cref="JobRecord"/> to checkpoint storage.
/// </summary>
/// <remarks>
/// A step that fails or times out is checked against the cluster (<see cref="SiloWatch"/>: Orleans membership, and a
/// direct probe of each silo the job uses). If silos holding the job's members are gone, the job recovers: it aborts
/// the step, re-forms the workers on the live silos (survivors keep their activations), starts a new generation of
/// shards restored from the last complete checkpoint (or the initial parameters) and goes on from that step. Any other
/// failure ends the job with its reason, as do <see cref="MaxRecoveriesWithoutProgress"/> recoveries in a row without a
/// new checkpoint. If the coordinator's own silo dies, the next call to the job (a client's status poll) activates it
/// on a live silo; it reads its record and, when the job was running, goes on from the last checkpoint by itself.
/// Placed on the silo the first call comes through: when a dead silo held the job's grain-directory entry, a client's
/// next call through the coordinator's own silo finds the live activation there instead of starting a second one
/// elsewhere (two coordinators would form the same shard generation and clobber each other).
/// </remarks>
[PreferLocalPlacement]
public sealed class TrainingJobGrain(
    DatasetProvider datasets,
    ModelRegistry models,
    ClusterSlots slots,
    TrainingLimits limits,
    CheckpointStore checkpoints,
    StepRunOptions runOptions,
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<TrainingJobGrain> logger) : Grain, ITrainingJobGrain
{
    /// <summary>Recoveries in a row without reaching a new checkpoint before the job fails instead.</summary>
    public const int MaxRecoveriesWithoutProgress = 3;

    private static readonly TimeSpan MinimumSetupTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest a recovery waits for membership to agree that the silos it found dead are gone.</summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(15);

    private TrainingJobState _state = null!;
    private SiloWatch _watch = null!;
    private MemberBarrier _barrier = null!;
    private BestEffortCleanup _cleanup = null!;
    private JobMembers _members = null!;
    private FinalParameters _final = null!;
    private StepRunner _runner = null!;
    private readonly RunLength _runLength = new(runOptions);
    private int _requestedWorkers;
    private JobCheckpoint? _checkpoint;
    private bool _deactivated;
    private bool _hasTestSplit = true;
    private bool _exactWorld;
    private Task _run = Task.CompletedTask;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _state = new TrainingJobState(this.GetPrimaryKeyString(), RuntimeIdentity, time);
        _watch = new SiloWatch(membership, GrainFactory, time, RuntimeIdentity);
        _watch.Start();
        _barrier = new MemberBarrier(_watch, time);
        _cleanup = new BestEffortCleanup(_state.JobId, time, logger);
        _members = new JobMembers(_state.JobId, GrainFactory, _watch, _barrier, _cleanup);
        _final = new FinalParameters(_state, checkpoints, time, logger);
        _runner = new StepRunner(_state.JobId, _barrier, _cleanup, time);
        var record = await checkpoints.ReadJobAsync(_state.JobId);
        if (record is null) return;

        JobPlan plan;
        try
        {
            await datasets.PrepareAsync(record.Spec.Dataset, GrainFactory);
            // Admitted once already: no slot check (a recovery runs on what is left).
            plan = JobPlanner.Plan(record.Spec, datasets, models);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Job {JobId}: its persisted spec cannot be planned on this silo", _state.JobId);
            _state.AddEvent("reload-failed", $"the job's record could not be reloaded on {RuntimeIdentity}: {e.Message}");
            return;
        }

        _state.Reload(record, plan);
        _members.Reload(record.Generation, record.WorkerSlots);
        _checkpoint = record.Checkpoint;
        _final.Reload(record.FinalChunks, record.FinalLength);
        _requestedWorkers = record.WorldSize > 0 ? record.WorldSize : plan.Spec.Workers;
        if (record.State is JobState.Starting or JobState.Running)
        {
            // The previous activation died with its silo while the job ran: go on from the last checkpoint.
            _state.Recovering($"coordinator re-activated on {RuntimeIdentity}: continuing from " + Describe(_checkpoint));
            TrainingTelemetry.Recovered(_state.JobId);
            // Active already (admitted at submit): this keeps the registry right should it have lost the job.
            await AdmitAsync(plan, 0);
            _run = RunAsync(plan, record.WorkerSlots, record.MemberSilos);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A loop still running stops at its next step and writes nothing: a later activation owns the job's record.
        _deactivated = true;
        _watch.Dispose();
        return Task.CompletedTask;
    }

    public async Task<JobStatus> SubmitAsync(JobSpec spec)
    {
        if (_state.State != JobState.New)
            throw new InvalidOperationException($"job {_state.JobId} was already submitted (it is {_state.State})");
        JobPlan plan;
        try
        {
            await datasets.PrepareAsync(spec?.Dataset, GrainFactory);
            plan = JobPlanner.Plan(spec, datasets, models, slots.Count, limits);
        }
        catch (JobSpecException e)
        {
            _state.AddEvent("refused", e.Message);
            throw;
        }

        await AdmitOrRefuseAsync(plan);
        _state.Accept(plan);
        _requestedWorkers = plan.Spec.Workers;
        logger.LogInformation("Job {JobId} accepted: {Parameters} parameters, {Workers} workers, {Shards} shards", _state.JobId, plan.ParameterCount, plan.Spec.Workers, plan.Shards.Length);
        await WriteRecordAsync();

        // Runs on this activation's scheduler, interleaved with status calls at its awaits.
        _run = RunAsync(plan, [], []);
        return _state.Snapshot();
    }

    public Task<JobStatus> GetStatusAsync() => Task.FromResult(_state.Snapshot());

    public Task<JobStatus> CancelAsync(string reason)
    {
        switch (_state.State)
        {
            case JobState.New:
                _state.End(JobState.Cancelled, $"cancelled before submit: {reason}");
                break;
            case JobState.Starting or JobState.Running when _state.CancelReason is null:
                _state.CancelReason = reason;
                _state.AddEvent("cancel-requested", reason);
                break;
        }

        return Task.FromResult(_state.Snapshot());
    }

    public async Task<JobStatus> ResumeAsync(int? workers)
    {
        if (_state.State is not (JobState.Failed or JobState.Cancelled) || _state.Plan is not { } plan)
            throw new InvalidOperationException($"job {_state.JobId} is {_state.State}: only a failed or cancelled job can resume");
        int world = workers ?? plan.Spec.Workers;
        if (world <= 0) throw new JobSpecException("workers", $"must be positive, got {world}");
        if (world > plan.Spec.BatchSize)
            throw new JobSpecException("workers", $"{world} workers cannot split a global batch of {plan.Spec.BatchSize}: each needs at least one sample");

        // The ended run may still be letting its workers and shards go (its state is already final): let it finish.
        await _run;
        await AdmitOrRefuseAsync(plan);
        _requestedWorkers = world;
        _exactWorld = true;
        _final.Forget();
        _state.Resuming($"resuming from {Describe(_checkpoint)} with {world} worker(s)");
        await WriteRecordAsync();
        _run = RunAsync(plan, [], []);
        return _state.Snapshot();
    }

    public Task<ParameterLayout> GetParameterLayoutAsync() =>
        Task.FromResult(_state.Plan?.Layout ?? throw new InvalidOperationException($"job {_state.JobId} has no accepted spec"));

    public Task<FloatBlock> ReadParametersAsync(long offset, int count) => _final.ReadAsync(offset, count);

    /// <summary>
    /// Forms the workers and shards and trains to the end, recovering from lost silos; <paramref name="staleSlots"/> are
    /// worker grains of a previous coordinator activation to release, <paramref name="previousSilos"/> the silos its
    /// members ran on, checked first so that the dead ones are named and avoided.
    /// </summary>
    private async Task RunAsync(JobPlan plan, int[] staleSlots, string[] previousSilos)
    {
        try
        {
            if (previousSilos.Length > 0)
            {
                _watch.Watch(previousSilos);
                var gone = await _watch.FindLostAsync();
                if (gone.Count > 0)
                {
                    _state.AddEvent("silo-lost", $"{string.Join(", ", gone)} lost while the job's previous coordinator ran it");
                    await _watch.SettleAsync(SettleLimit);
                }
            }

            await _members.ReleaseStaleAsync(staleSlots, "the job's coordinator was re-activated");
            int recoveriesWithoutProgress = 0;
            bool recovering = _members.Generation >= 0;
            while (true)
            {
                long checkpointBefore = _checkpoint?.Step ?? -1;
                try
                {
                    await FormAsync(plan, recovering);
                    await TrainAsync(plan);
                    break;
                }
                catch (SiloLostException lost)
                {
                    if ((_checkpoint?.Step ?? -1) > checkpointBefore) recoveriesWithoutProgress = 0;
                    recoveriesWithoutProgress++;
                    _state.AddEvent("silo-lost", $"{lost.Message}; members there: {string.Join(", ", MembersOn(lost.Silos))}");
                    logger.LogWarning("Job {JobId}: {Reason}", _state.JobId, lost.Message);
                    if (recoveriesWithoutProgress > MaxRecoveriesWithoutProgress)
                        throw new JobFailedException($"gave up after {MaxRecoveriesWithoutProgress} recoveries without a new checkpoint; last: {lost.Message}");
                    await _members.AbortAsync(lost.Message);
                    await _watch.SettleAsync(SettleLimit);
                    _state.Recovering($"recovering from {Describe(_checkpoint)} on the live silos");
                    TrainingTelemetry.Recovered(_state.JobId);
                    recovering = true;
                }
            }

            await _final.CollectAsync(plan, _members);
            if (_state.CancelReason is { } reason) _state.End(JobState.Cancelled, $"cancelled after step {_state.Step}: {reason}");
            else _state.End(JobState.Completed, $"completed {_state.Step} steps, final loss {_state.Loss:G6}");
        }
        catch (OperationCanceledException) when (_deactivated)
        {
            return;
        }
        catch (Exception e)
        {
            string reason = e is JobFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            logger.LogWarning(e, "Job {JobId} failed: {Reason}", _state.JobId, reason);
            await _members.AbortAsync(reason);
            await _final.CollectAsync(plan, _members, ignoreFailure: true);
            _state.End(JobState.Failed, reason, reason);
        }
        finally
        {
            if (!_deactivated)
            {
                await _final.StoreAsync(WriteRecordAsync);
                await _members.ReleaseAsync();
                _watch.Watch([]);
                if (_state.State is JobState.Completed or JobState.Failed or JobState.Cancelled) await EndedAsync();
            }
        }
    }

    /// <summary>
    /// Forms a new generation of members (<see cref="JobMembers.FormAsync"/>) from the last checkpoint, rewinds the
    /// job's progress to it and records the formation.
    /// </summary>
    private async Task FormAsync(JobPlan plan, bool recovering)
    {
        var previousShards = _members.Shards;
        var from = _checkpoint;
        // A resume asks for its workers once: a recovery after it runs on what is live.
        bool exactWorld = _exactWorld;
        _exactWorld = false;
        var infos = await _members.FormAsync(plan, from, _requestedWorkers, recovering, exactWorld, SetupTimeout(plan.Spec));

        _state.RestoreFrom(from, countRedone: recovering);
        if (recovering)
        {
            _state.Started(infos, "recovered", $"recovered from {Describe(from)} with {infos.Length} worker(s) and {_members.ShardRanges.Length} shard(s), {_state.RedoneSteps} step(s) redone so far: ");
        }
        else
        {
            _state.Started(infos);
        }

        await WriteRecordAsync();

        // The previous generation's shards (aborted, some perhaps on a dead silo) are let go in the background.
        if (previousShards.Length > 0) _ = _cleanup.WaitAsync(previousShards.Select(s => s.ReleaseAsync()));
    }

    /// <summary>
    /// Trains to the end (or a cancel) in runs of consecutive steps (<see cref="RunLength"/>); between runs come the
    /// epoch ends (evaluation, epoch metrics, a checkpoint) and the interval's checkpoints, which no run crosses. A run
    /// that nothing comes before is queued on the workers while the one before it is in progress, so they go from one
    /// to the next without waiting for the coordinator; a cancel then takes effect at the end of the queued run.
    /// </summary>
    private async Task TrainAsync(JobPlan plan)
    {
        var spec = plan.Spec;
        int steps = plan.StepsPerEpoch;
        bool stopOnNonFinite = spec.OnNonFiniteLoss != JobSpec.SkipNonFiniteStep;
        _runLength.Reset();
        DispatchedRun? queued = null;
        long previousEnd = time.GetTimestamp();
        try
        {
            while (queued is not null || (_state.Step < plan.TotalSteps && _state.CancelReason is null))
            {
                long step = _state.Step;
                int epoch = (int)(step / steps), batch = (int)(step % steps);
                // A run restored mid-epoch keeps the epoch's sums from the checkpoint. A queued run never starts an epoch.
                if (batch == 0) _state.BeginEpoch(epoch);
                var current = queued ?? _runner.Dispatch(_members.Workers, new StepRun(step, epoch, batch, _runLength.For(plan, step), stopOnNonFinite, Generation: _members.Generation));
                queued = null;
                long started = Math.Max(previousEnd, current.DispatchedAt);
                if (_state.CancelReason is null && FollowsWithNothingBetween(plan, current.Run) is { } next) queued = _runner.Dispatch(_members.Workers, next);
                await RunStepsAsync(plan, current, started);
                previousEnd = time.GetTimestamp();
                if (_state.Step % steps == 0)
                {
                    await EvaluateAsync(plan, epoch);
                    _state.EndEpoch();
                    TrainingTelemetry.EpochCompleted(_state.JobId, _state.Snapshot().EpochHistory[^1]);
                    await CheckpointAsync(plan);
                    previousEnd = time.GetTimestamp();
                }
                else if (spec.CheckpointInterval > 0 && _state.Step % spec.CheckpointInterval == 0)
                {
                    await CheckpointAsync(plan);
                    previousEnd = time.GetTimestamp();
                }
            }
        }
        catch
        {
            if (queued is not null) _runner.Abandon(queued);
            throw;
        }
    }

    /// <summary>
    /// The run after <paramref name="run"/> when nothing must happen between the two (an epoch's end or a checkpoint
    /// at its last step, the job's end), so that it can be queued behind it; null otherwise.
    /// </summary>
    private StepRun? FollowsWithNothingBetween(JobPlan plan, StepRun run)
    {
        long next = run.LastStep + 1;
        int interval = plan.Spec.CheckpointInterval;
        if (next >= plan.TotalSteps || next % plan.StepsPerEpoch == 0 || (interval > 0 && next % interval == 0)) return null;
        return run with { FirstStep = next, FirstBatch = run.FirstBatch + run.Count, Count = _runLength.For(plan, next) };
    }

    /// <summary>
    /// Waits for the steps of a dispatched run, timed from <paramref name="started"/>, and records each one as a step of
    /// its own (loss, metrics, telemetry), in order; a non-finite step is skipped, or ends the job there when its
    /// policy is to stop.
    /// </summary>
    private async Task RunStepsAsync(JobPlan plan, DispatchedRun dispatched, long started)
    {
        if (_deactivated)
        {
            _runner.Abandon(dispatched);
            throw new OperationCanceledException($"the coordinator of job {_state.JobId} was deactivated");
        }

        var run = dispatched.Run;
        // The loop's calls are outgoing: keep the activation from being collected as idle while the job runs.
        DelayDeactivation(TimeSpan.FromMinutes(Math.Min(plan.Spec.StepTimeout.TotalMinutes * run.Count, TimeSpan.FromDays(7).TotalMinutes) + 5));
        var startedAt = time.GetUtcNow().UtcDateTime - time.GetElapsedTime(started);
        var steps = await _runner.CompleteAsync(dispatched, startedAt, plan.Spec.StepTimeout, WorkerName);
        var elapsed = time.GetElapsedTime(started);
        _runLength.Observe(steps.Length, elapsed);
        _state.RecordRunTime(elapsed);
        for (int i = 0; i < steps.Length; i++)
        {
            var results = steps[i];
            if (results.Any(r => r.NonFinite))
            {
                string what = StepRunner.Describe(run, i);
                double loss = results.Sum(r => r.LossSum) / Math.Max(1, results.Sum(r => r.Samples));
                if (run.StopOnNonFinite)
                    throw new JobFailedException($"the loss is {loss} at {what} (or a gradient is not finite); onNonFiniteLoss is '{plan.Spec.OnNonFiniteLoss}'");
                _state.RecordSkipped(what, loss);
                continue;
            }

            var stepTime = StepRunner.StepTime(results);
            _state.RecordStep(results, stepTime);
            TrainingTelemetry.StepCompleted(_state.JobId, _state.Loss ?? double.NaN, _state.Accuracy, results.Sum(r => r.Samples), stepTime, results.Length);
            foreach (var r in results) TrainingTelemetry.WorkerStepCompleted(_state.JobId, r.Rank, TimeSpan.FromMilliseconds(r.ComputeMilliseconds));
        }
    }

    /// <summary>
    /// The workers evaluate the parameters on their shares of the test split; the coordinator records the mean loss and
    /// accuracy over it. A dataset without a test split answers zero samples once, and is not asked again.
    /// </summary>
    private async Task EvaluateAsync(JobPlan plan, int epoch)
    {
        if (!_hasTestSplit) return;
        var calls = _members.Workers.Select(w => w.Grain.EvaluateAsync()).ToArray();
        await _barrier.WaitAsync(calls, SetupTimeout(plan.Spec), $"evaluation after epoch {epoch}", WorkerName);
        var results = calls.Select(c => c.Result).ToArray();
        long samples = results.Sum(r => (long)r.Samples);
        if (samples == 0)
        {
            _hasTestSplit = false;
            return;
        }

        _state.RecordTest(results.Sum(r => r.LossSum) / samples, plan.HasAccuracy ? (double)results.Sum(r => (long)r.Correct) / samples : null);
    }

    /// <summary>
    /// Every shard writes its slice for the current step, rank 0 gives its buffers, then the job record that names them
    /// is written: only then is it the last checkpoint. A write that fails for another reason than a lost silo keeps
    /// the previous checkpoint and the job goes on.
    /// </summary>
    private async Task CheckpointAsync(JobPlan plan)
    {
        var timeout = SetupTimeout(plan.Spec);
        long step = _state.Step;
        var where = new CheckpointReference(_state.JobId, _members.Generation, step, _members.Shards.Length);
        try
        {
            var writes = _members.Shards.Select(s => s.CheckpointAsync(step)).ToArray();
            await _barrier.WaitAsync(writes, timeout, $"checkpoint at step {step}", i => $"shard {i}");
            var buffers = new[] { _members.Workers[0].Grain.ReadBuffersAsync() };
            await _barrier.WaitAsync(buffers, timeout, $"checkpoint at step {step}", WorkerName);
            var previous = _checkpoint;
            var checkpoint = _state.Checkpoint(where, buffers[0].Result);
            await checkpoints.WriteJobAsync(_state.JobId, _state.ToRecord(checkpoint, _members.Generation, _members.WorkerSlots(), _watch.Watched.ToArray(), 0, 0));
            _checkpoint = checkpoint;
            _state.CheckpointCommitted(step);
            TrainingTelemetry.CheckpointWritten(_state.JobId);
            if (previous is not null && previous.Shards != where) await _cleanup.WaitAsync([checkpoints.DeleteShardsAsync(previous.Shards)]);
        }
        catch (JobFailedException e)
        {
            _state.AddEvent("checkpoint-failed", e.Message);
        }
        catch (Exception e) when (e is not SiloLostException)
        {
            _state.AddEvent("checkpoint-failed", $"checkpoint at step {step}: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Lists the job in the cluster's registry as active (<paramref name="maxActiveJobs"/> 0 = no limit), so that a
    /// cluster restarted after every silo died resumes it; null when the registry cannot be reached, which does not
    /// stop the job.
    /// </summary>
    private async Task<JobAdmission?> AdmitAsync(JobPlan plan, int maxActiveJobs)
    {
        try
        {
            string description = $"{plan.Spec.Dataset.Kind}, {plan.ParameterCount} parameters, {plan.Spec.Workers} worker(s), {plan.TotalSteps} steps";
            var registration = new JobRegistration(_state.JobId, time.GetUtcNow(), description);
            return await GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).AdmitAsync(registration, maxActiveJobs).WaitAsync(BestEffortCleanup.Timeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Job {JobId}: could not be listed in the job registry", _state.JobId);
            return null;
        }
    }

    /// <summary>
    /// Admits the job against <see cref="TrainingLimits.MaxConcurrentJobs"/>, before it is accepted: over the limit it
    /// is refused naming the limit's key and the active jobs, and stays as it was (it may be submitted again later).
    /// </summary>
    private async Task AdmitOrRefuseAsync(JobPlan plan)
    {
        if (await AdmitAsync(plan, limits.MaxConcurrentJobs) is { Admitted: false } admission)
        {
            var refusal = new JobSpecException(TrainingLimits.MaxConcurrentJobsKey, $"{admission.ActiveJobs} jobs are active, the most this cluster runs at once ({limits.MaxConcurrentJobs}); retry when one ends");
            _state.AddEvent("refused", refusal.Message);
            throw refusal;
        }
    }

    /// <summary>Tells the registry the job ended (no longer to resume after a cluster restart); a failure is only logged.</summary>
    private async Task EndedAsync()
    {
        try
        {
            await GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).EndedAsync(_state.JobId).WaitAsync(BestEffortCleanup.Timeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Job {JobId}: could not be marked ended in the job registry", _state.JobId);
        }
    }

    private Task WriteRecordAsync() =>
        checkpoints.WriteJobAsync(_state.JobId, _state.ToRecord(_checkpoint, Math.Max(_members.Generation, 0), _members.WorkerSlots(), _watch.Watched.ToArray(), _final.Chunks, _final.Length));

    /// <summary>The timeout of the calls that are no step (setups, evaluations, checkpoints): the step timeout, but never very short.</summary>
    private static TimeSpan SetupTimeout(JobSpec spec) => spec.StepTimeout > MinimumSetupTimeout ? spec.StepTimeout : MinimumSetupTimeout;

    private IEnumerable<string> MembersOn(IReadOnlyList<string> silos)
    {
        var status = _state.Snapshot();
        return status.Workers.Where(w => silos.Contains(w.Silo)).Select(w => $"worker {w.Rank}")
            .DefaultIfEmpty("no worker (a shard)");
    }

    private static string Describe(JobCheckpoint? checkpoint) =>
        checkpoint is null ? "the initial parameters (no checkpoint yet)" : $"the checkpoint at step {checkpoint.Step}";

    private string WorkerName(int rank)
    {
        var silo = _state.Snapshot().Workers.FirstOrDefault(w => w.Rank == rank)?.Silo;
        return silo is null ? $"worker {rank}" : $"worker {rank} (on {silo})";
    }
}
