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
using Autograd.Cluster.Silo.Telemetry;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The coordinator of one job (key = job id). Submit checks the spec and creates the seeded parameters once; a
/// background loop on the grain's scheduler then activates the shards with their slices, the workers (which load the
/// same parameters from the shards), and runs the synchronous steps: all workers run step t, each barrier waits at
/// most the spec's step timeout. Every <see cref="JobSpec.CheckpointInterval"/> steps and at every epoch end the
/// shards write their slices and the coordinator its <see cref="JobRecord"/> to checkpoint storage.
/// </summary>
/// <remarks>
/// A step that fails or times out is checked against the cluster (<see cref="SiloWatch"/>: Orleans membership, and a
/// direct probe of each silo the job uses). If silos holding the job's members are gone, the job recovers: it aborts
/// the step, re-forms the workers on the live silos (survivors keep their activations), starts a new generation of
/// shards restored from the last complete checkpoint (or the initial parameters) and goes on from that step. Any other
/// failure ends the job with its reason, as do <see cref="MaxRecoveriesWithoutProgress"/> recoveries in a row without a
/// new checkpoint. If the coordinator's own silo dies, the next call to the job (a client's status poll) activates it
/// on a live silo; it reads its record and, when the job was running, goes on from the last checkpoint by itself.
/// </remarks>
public sealed class TrainingJobGrain(
    DatasetProvider datasets,
    ModelRegistry models,
    ClusterSlots slots,
    CheckpointStore checkpoints,
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<TrainingJobGrain> logger) : Grain, ITrainingJobGrain
{
    /// <summary>Recoveries in a row without reaching a new checkpoint before the job fails instead.</summary>
    public const int MaxRecoveriesWithoutProgress = 3;

    private static readonly TimeSpan MinimumSetupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest a recovery waits for membership to agree that the silos it found dead are gone.</summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(15);

    /// <summary>How long a barrier waits before it checks, and then every so often, that the job's silos still answer.</summary>
    private static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(1);

    private TrainingJobState _state = null!;
    private SiloWatch _watch = null!;
    private WorkerSlot[] _workers = [];
    private IParameterShardGrain[] _shards = [];
    private ShardRange[] _shardRanges = [];
    private int _generation = -1;
    private int _nextSlot;
    private int _requestedWorkers;
    private JobCheckpoint? _checkpoint;
    private int _finalChunks;
    private long _finalLength;
    private bool _deactivated;
    private bool _hasTestSplit = true;
    private bool _exactWorld;
    private Task _run = Task.CompletedTask;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _state = new TrainingJobState(this.GetPrimaryKeyString(), RuntimeIdentity, time);
        _watch = new SiloWatch(membership, GrainFactory, time);
        _watch.Start();
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
        _generation = record.Generation;
        _nextSlot = record.WorkerSlots.Length == 0 ? 0 : record.WorkerSlots.Max() + 1;
        _checkpoint = record.Checkpoint;
        _finalChunks = record.FinalChunks;
        _finalLength = record.FinalLength;
        _requestedWorkers = record.WorldSize > 0 ? record.WorldSize : plan.Spec.Workers;
        if (record.State is JobState.Starting or JobState.Running)
        {
            // The previous activation died with its silo while the job ran: go on from the last checkpoint.
            _state.Recovering($"coordinator re-activated on {RuntimeIdentity}: continuing from " + Describe(_checkpoint));
            TrainingTelemetry.Recovered(_state.JobId);
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
            plan = JobPlanner.Plan(spec, datasets, models, slots.Count);
        }
        catch (JobSpecException e)
        {
            _state.AddEvent("refused", e.Message);
            throw;
        }

        _state.Accept(plan);
        _requestedWorkers = plan.Spec.Workers;
        logger.LogInformation("Job {JobId} accepted: {Parameters} parameters, {Workers} workers, {Shards} shards", _state.JobId, plan.ParameterCount, plan.Spec.Workers, plan.Shards.Length);
        await WriteRecordAsync();
        await RegisterAsync(plan);

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
        _requestedWorkers = world;
        _exactWorld = true;
        _finalChunks = 0;
        _state.Resuming($"resuming from {Describe(_checkpoint)} with {world} worker(s)");
        await WriteRecordAsync();
        _run = RunAsync(plan, [], []);
        return _state.Snapshot();
    }

    public Task<ParameterLayout> GetParameterLayoutAsync() =>
        Task.FromResult(_state.Plan?.Layout ?? throw new InvalidOperationException($"job {_state.JobId} has no accepted spec"));

    public async Task<FloatBlock> ReadParametersAsync(long offset, int count)
    {
        if (_state.FinalValues is null && _finalChunks > 0 && _state.State is JobState.Completed or JobState.Failed or JobState.Cancelled)
            _state.FinalValues = await checkpoints.ReadFinalAsync(_state.JobId, _finalChunks, _finalLength);
        var values = _state.FinalValues
            ?? throw new InvalidOperationException($"job {_state.JobId} is {_state.State}: its parameters are readable once it has ended" + (_state.State == JobState.Failed ? " (they could not be read back after the failure)" : string.Empty));
        if (offset < 0 || count < 0 || count > FloatBlock.MaxFloats || offset + count > values.Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot read {count} values at {offset} of {values.Length} (at most {FloatBlock.MaxFloats} per read)");
        return FloatBlock.From(values.AsSpan((int)offset, count));
    }

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

            // The previous activation's workers may be stuck in a step waiting on a dead shard: abort, then release them.
            var stale = staleSlots.Select(s => MemberKeys.Worker(GrainFactory, _state.JobId, s)).ToArray();
            await BestEffortAsync(stale.Select(w => w.AbortAsync("the job's coordinator was re-activated")));
            await BestEffortAsync(stale.Select(w => w.ReleaseAsync()));
            int recoveriesWithoutProgress = 0;
            bool recovering = _generation >= 0;
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
                    await AbortMembersAsync(lost.Message);
                    await _watch.SettleAsync(SettleLimit);
                    _state.Recovering($"recovering from {Describe(_checkpoint)} on the live silos");
                    TrainingTelemetry.Recovered(_state.JobId);
                    recovering = true;
                }
            }

            await CollectFinalValuesAsync(plan);
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
            await AbortMembersAsync(reason);
            await CollectFinalValuesAsync(plan, ignoreFailure: true);
            _state.End(JobState.Failed, reason, reason);
        }
        finally
        {
            if (!_deactivated)
            {
                await StoreFinalValuesAsync();
                await BestEffortAsync(_workers.Select(w => w.Grain.ReleaseAsync()));
                await BestEffortAsync(_shards.Select(s => s.ReleaseAsync()));
                _workers = [];
                _shards = [];
                _watch.Watch([]);
            }
        }
    }

    /// <summary>
    /// Sets up a generation of shards (restored from the last checkpoint, or the initial parameters) and the workers:
    /// the first formation places them by the spread placement; a recovery keeps the live workers and places new ones
    /// and the shards on live silos, with at most one worker per live silo.
    /// </summary>
    private async Task FormAsync(JobPlan plan, bool recovering)
    {
        var spec = plan.Spec;
        var timeout = spec.StepTimeout > MinimumSetupTimeout ? spec.StepTimeout : MinimumSetupTimeout;
        _generation++;
        var previousShards = _shards;
        var live = _watch.LiveSilos();
        if (live.Count == 0) throw new JobFailedException("no live silo to run the job on");
        // A recovery runs on at most one worker per live silo; a submit or a resume gets the workers it asked for.
        int world = recovering && !_exactWorld ? Math.Min(_requestedWorkers, live.Count) : _requestedWorkers;
        _exactWorld = false;
        var ranges = world == spec.Workers ? plan.Shards : ShardPartition.Split(plan.ParameterCount, spec.Shards, world);
        var from = _checkpoint;
        bool hinted = _generation > 0;

        _shardRanges = ranges;
        _shards = ranges.Select(r => MemberKeys.Shard(GrainFactory, _state.JobId, _generation, r.Index)).ToArray();
        var shardSetups = new Task[ranges.Length];
        for (int s = 0; s < ranges.Length; s++)
        {
            var range = ranges[s];
            var setup = new ShardSetup
            {
                JobId = _state.JobId,
                Range = range,
                WorldSize = world,
                Optimizer = spec.Optimizer,
                LrSchedule = spec.LrSchedule,
                InitialValues = from is null ? FloatBlock.From(plan.InitialParameters.AsSpan((int)range.Offset, range.Count)) : FloatBlock.Empty,
                Generation = _generation,
                Parameters = plan.Layout.Entries.Where(e => !e.IsBuffer).ToArray(),
                Restore = from?.Shards,
                StartStep = from?.Step ?? 0,
            };
            shardSetups[s] = SiloWatch.Placed(hinted ? live[s % live.Count] : null, () => _shards[s].InitializeAsync(setup));
        }

        // Until the members are known, a setup failure is checked against every live silo.
        _watch.Watch(live.Select(s => s.ToString()));
        await BarrierAsync(shardSetups, timeout, "setting up", i => $"shard {i}");
        var shardInfos = _shards.Select(s => s.GetInfoAsync()).ToArray();
        await BarrierAsync(shardInfos, timeout, "setting up", i => $"shard {i}");

        // Survivors (workers whose silo is live) keep their grains; new slots fill the live silos that have no worker.
        var survivors = recovering ? _workers.Where(w => live.Contains(w.Silo)).Take(world).ToList() : [];
        var free = new Queue<SiloAddress>(live.Where(s => survivors.All(w => w.Silo != s)));
        var members = new List<(IWorkerGrain Grain, int Slot, SiloAddress? Hint)>();
        foreach (var w in survivors) members.Add((w.Grain, w.Slot, null));
        while (members.Count < world)
        {
            int slot = _nextSlot++;
            SiloAddress? hint = hinted && free.Count > 0 ? free.Dequeue() : hinted ? live[slot % live.Count] : null;
            members.Add((MemberKeys.Worker(GrainFactory, _state.JobId, slot), slot, hint));
        }

        var buffers = from is { Buffers.Count: > 0 } ? from.Buffers : null;
        var workerSetups = members.Select((m, rank) => SiloWatch.Placed(m.Hint, () => m.Grain.InitializeAsync(new WorkerSetup
        {
            JobId = _state.JobId,
            Rank = rank,
            WorldSize = world,
            Spec = spec,
            Shards = ranges,
            ShardGeneration = _generation,
            StartStep = from?.Step ?? 0,
            Buffers = buffers,
        }))).ToArray();
        await BarrierAsync(workerSetups, timeout, "setting up", i => $"worker {i}");
        var infos = workerSetups.Select(t => t.Result).ToArray();
        _workers = members.Select((m, rank) => new WorkerSlot(m.Grain, m.Slot, _watch.Find(infos[rank].Silo))).ToArray();
        _watch.Watch(infos.Select(i => i.Silo).Concat(shardInfos.Select(i => i.Result.Silo)));

        _state.RestoreFrom(from, countRedone: recovering);
        if (recovering)
        {
            _state.Started(infos, "recovered", $"recovered from {Describe(from)} with {world} worker(s) and {ranges.Length} shard(s), {_state.RedoneSteps} step(s) redone so far: ");
        }
        else
        {
            _state.Started(infos);
        }

        await WriteRecordAsync();

        // The previous generation's shards (aborted, some perhaps on a dead silo) are let go in the background.
        if (previousShards.Length > 0) _ = BestEffortAsync(previousShards.Select(s => s.ReleaseAsync()));
    }

    private async Task TrainAsync(JobPlan plan)
    {
        var spec = plan.Spec;
        int steps = plan.StepsPerEpoch;
        while (_state.Step < plan.TotalSteps && _state.CancelReason is null)
        {
            long step = _state.Step;
            int epoch = (int)(step / steps), batch = (int)(step % steps);
            // A run restored mid-epoch keeps the epoch's sums from the checkpoint.
            if (batch == 0) _state.BeginEpoch(epoch);
            await StepAsync(plan, new StepCommand(step, epoch, batch));
            if (batch == steps - 1)
            {
                await EvaluateAsync(plan, epoch);
                _state.EndEpoch();
                TrainingTelemetry.EpochCompleted(_state.JobId, _state.Snapshot().EpochHistory[^1]);
                await CheckpointAsync(plan);
            }
            else if (spec.CheckpointInterval > 0 && _state.Step % spec.CheckpointInterval == 0)
            {
                await CheckpointAsync(plan);
            }
        }
    }

    private async Task StepAsync(JobPlan plan, StepCommand command)
    {
        if (_deactivated) throw new OperationCanceledException($"the coordinator of job {_state.JobId} was deactivated");
        // The loop's calls are outgoing: keep the activation from being collected as idle while the job runs.
        DelayDeactivation(plan.Spec.StepTimeout + TimeSpan.FromMinutes(5));
        using var span = TrainingTelemetry.StartStep(_state.JobId, command.Step);
        long started = time.GetTimestamp();
        var calls = _workers.Select(w => w.Grain.RunStepAsync(command)).ToArray();
        string what = $"step {command.Step} (epoch {command.Epoch}, batch {command.BatchInEpoch})";
        await BarrierAsync(calls, plan.Spec.StepTimeout, what, WorkerName);
        var results = calls.Select(c => c.Result).ToArray();
        if (results.Any(r => r.NonFinite))
        {
            double loss = results.Sum(r => r.LossSum) / Math.Max(1, results.Sum(r => r.Samples));
            if (plan.Spec.OnNonFiniteLoss != JobSpec.SkipNonFiniteStep)
                throw new JobFailedException($"the loss is {loss} at {what} (or a gradient is not finite); onNonFiniteLoss is '{plan.Spec.OnNonFiniteLoss}'");
            _state.RecordSkipped(what, loss);
            return;
        }

        var elapsed = time.GetElapsedTime(started);
        _state.RecordStep(results, elapsed);
        TrainingTelemetry.StepCompleted(_state.JobId, _state.Loss ?? double.NaN, _state.Accuracy, results.Sum(r => r.Samples), elapsed, results.Length);
        foreach (var r in results) TrainingTelemetry.WorkerStepCompleted(_state.JobId, r.Rank, TimeSpan.FromMilliseconds(r.ComputeMilliseconds));
    }

    /// <summary>
    /// The workers evaluate the parameters on their shares of the test split; the coordinator records the mean loss and
    /// accuracy over it. A dataset without a test split answers zero samples once, and is not asked again.
    /// </summary>
    private async Task EvaluateAsync(JobPlan plan, int epoch)
    {
        if (!_hasTestSplit) return;
        var timeout = plan.Spec.StepTimeout > MinimumSetupTimeout ? plan.Spec.StepTimeout : MinimumSetupTimeout;
        var calls = _workers.Select(w => w.Grain.EvaluateAsync()).ToArray();
        await BarrierAsync(calls, timeout, $"evaluation after epoch {epoch}", WorkerName);
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
        var timeout = plan.Spec.StepTimeout > MinimumSetupTimeout ? plan.Spec.StepTimeout : MinimumSetupTimeout;
        long step = _state.Step;
        var where = new CheckpointReference(_state.JobId, _generation, step, _shards.Length);
        try
        {
            var writes = _shards.Select(s => s.CheckpointAsync(step)).ToArray();
            await BarrierAsync(writes, timeout, $"checkpoint at step {step}", i => $"shard {i}");
            var buffers = new[] { _workers[0].Grain.ReadBuffersAsync() };
            await BarrierAsync(buffers, timeout, $"checkpoint at step {step}", WorkerName);
            var previous = _checkpoint;
            var checkpoint = _state.Checkpoint(where, buffers[0].Result);
            await checkpoints.WriteJobAsync(_state.JobId, _state.ToRecord(checkpoint, _generation, WorkerSlots(), _watch.Watched.ToArray(), 0, 0));
            _checkpoint = checkpoint;
            _state.CheckpointCommitted(step);
            TrainingTelemetry.CheckpointWritten(_state.JobId);
            if (previous is not null && previous.Shards != where) await BestEffortAsync([checkpoints.DeleteShardsAsync(previous.Shards)]);
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
    /// Waits for every call, at most <paramref name="timeout"/> in all, and stops at the first failure (the others
    /// may be waiting on the failed one). A failure or a timeout is checked against the cluster: if silos the job uses
    /// are gone it becomes a <see cref="SiloLostException"/>, otherwise it ends the job naming the calls at fault.
    /// </summary>
    private async Task BarrierAsync(Task[] calls, TimeSpan timeout, string what, Func<int, string> name)
    {
        long started = time.GetTimestamp();
        var pending = new List<Task>(calls);
        var lost = _watch.Lost;
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
                var gone = await _watch.FindLostAsync();
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
        var lost = await _watch.FindLostAsync();
        if (lost.Count > 0) throw new SiloLostException(lost, reason);
        if (SiloWatch.IsUnreachable(error)) throw new SiloLostException(["an unreachable silo"], reason);
        throw new JobFailedException(reason);
    }

    /// <summary>Stops the step in flight everywhere: shards fail their waiting reductions, workers stop waiting for them.</summary>
    private async Task AbortMembersAsync(string reason)
    {
        await BestEffortAsync(_shards.Select(s => s.AbortAsync(reason)).Concat(_workers.Select(w => w.Grain.AbortAsync(reason))));
    }

    /// <summary>Reads the parameters back from the shards and rank 0's buffers, as the job's final state dict.</summary>
    private async Task CollectFinalValuesAsync(JobPlan plan, bool ignoreFailure = false)
    {
        try
        {
            var slices = _shards.Select(s => s.GetParametersAsync()).ToArray();
            var buffers = _workers[0].Grain.ReadBuffersAsync();
            await Task.WhenAll(slices.Append<Task>(buffers)).WaitAsync(CleanupTimeout, time);
            var values = new float[plan.Layout.TotalElements];
            foreach (var (range, s) in _shardRanges.Select((r, s) => (r, s)))
                slices[s].Result.CopyTo(values.AsSpan((int)range.Offset, range.Count));
            buffers.Result.CopyTo(values.AsSpan((int)plan.ParameterCount));
            _state.FinalValues = values;
        }
        catch (Exception e) when (ignoreFailure)
        {
            _state.AddEvent("parameters-lost", $"the parameters could not be read back: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Writes the final state dict (when there is one) and the ended job's record, so any later activation can serve them.</summary>
    private async Task StoreFinalValuesAsync()
    {
        try
        {
            if (_state.FinalValues is { } values)
            {
                _finalChunks = await checkpoints.WriteFinalAsync(_state.JobId, values);
                _finalLength = values.Length;
            }

            await WriteRecordAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Job {JobId}: the final parameters could not be stored", _state.JobId);
            _state.AddEvent("store-failed", $"the final parameters could not be stored: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Lists the job in the cluster's registry; a registry that cannot be reached does not stop the job.</summary>
    private async Task RegisterAsync(JobPlan plan)
    {
        try
        {
            string description = $"{plan.Spec.Dataset.Kind}, {plan.ParameterCount} parameters, {plan.Spec.Workers} worker(s), {plan.TotalSteps} steps";
            await GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).RegisterAsync(new JobRegistration(_state.JobId, time.GetUtcNow(), description)).WaitAsync(CleanupTimeout, time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Job {JobId}: could not be listed in the job registry", _state.JobId);
        }
    }

    private Task WriteRecordAsync() =>
        checkpoints.WriteJobAsync(_state.JobId, _state.ToRecord(_checkpoint, Math.Max(_generation, 0), WorkerSlots(), _watch.Watched.ToArray(), _finalChunks, _finalLength));

    private int[] WorkerSlots() => _workers.Select(w => w.Slot).ToArray();

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

    /// <summary>Waits a short while for calls whose failure no longer matters (cleanup of an ending job).</summary>
    private async Task BestEffortAsync(IEnumerable<Task> calls)
    {
        try
        {
            await Task.WhenAll(calls).WaitAsync(CleanupTimeout, time);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Job {JobId}: cleanup call failed", _state.JobId);
        }
    }
}
