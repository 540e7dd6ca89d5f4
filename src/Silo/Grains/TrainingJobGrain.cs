using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Training;
using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The coordinator of one job (key = job id). Submit checks the spec and creates the seeded parameters once; a
/// background loop on the grain's scheduler then activates the shards with their slices, the workers (which load the
/// same initial parameters from the shards), and runs the synchronous steps: all workers run step t, each barrier
/// waits at most the spec's step timeout, and a worker that fails or does not answer ends the job with that reason.
/// Status calls are served between the loop's awaits.
/// </summary>
public sealed class TrainingJobGrain(DatasetProvider datasets, TimeProvider time, ILogger<TrainingJobGrain> logger) : Grain, ITrainingJobGrain
{
    private static readonly TimeSpan MinimumSetupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(5);

    private TrainingJobState _state = null!;
    private IWorkerGrain[] _workers = [];
    private IParameterShardGrain[] _shards = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _state = new TrainingJobState(this.GetPrimaryKeyString(), RuntimeIdentity, time);
        return Task.CompletedTask;
    }

    public Task<JobStatus> SubmitAsync(JobSpec spec)
    {
        if (_state.State != JobState.New)
            throw new InvalidOperationException($"job {_state.JobId} was already submitted (it is {_state.State})");
        JobPlan plan;
        try
        {
            plan = JobPlanner.Plan(spec, datasets);
        }
        catch (JobSpecException e)
        {
            _state.AddEvent("refused", e.Message);
            throw;
        }

        _state.Accept(plan);
        string jobId = _state.JobId;
        _shards = plan.Shards.Select(r => GrainFactory.GetGrain<IParameterShardGrain>(GrainKeys.Member(jobId, r.Index))).ToArray();
        _workers = Enumerable.Range(0, plan.Spec.Workers).Select(r => GrainFactory.GetGrain<IWorkerGrain>(GrainKeys.Member(jobId, r))).ToArray();
        logger.LogInformation("Job {JobId} accepted: {Parameters} parameters, {Workers} workers, {Shards} shards", jobId, plan.ParameterCount, _workers.Length, _shards.Length);

        // Runs on this activation's scheduler, interleaved with status calls at its awaits.
        _ = RunAsync(plan);
        return Task.FromResult(_state.Snapshot());
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

    public Task<ParameterLayout> GetParameterLayoutAsync() =>
        Task.FromResult(_state.Plan?.Layout ?? throw new InvalidOperationException($"job {_state.JobId} has no accepted spec"));

    public Task<FloatBlock> ReadParametersAsync(long offset, int count)
    {
        var values = _state.FinalValues
            ?? throw new InvalidOperationException($"job {_state.JobId} is {_state.State}: its parameters are readable once it has ended" + (_state.State == JobState.Failed ? " (they could not be read back after the failure)" : string.Empty));
        if (offset < 0 || count < 0 || count > FloatBlock.MaxFloats || offset + count > values.Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot read {count} values at {offset} of {values.Length} (at most {FloatBlock.MaxFloats} per read)");
        return Task.FromResult(FloatBlock.From(values.AsSpan((int)offset, count)));
    }

    private async Task RunAsync(JobPlan plan)
    {
        try
        {
            await SetUpAsync(plan);
            for (int epoch = 0; epoch < plan.Spec.Epochs && _state.CancelReason is null; epoch++)
            {
                _state.BeginEpoch(epoch);
                for (int batch = 0; batch < plan.StepsPerEpoch && _state.CancelReason is null; batch++)
                    await StepAsync(plan, new StepCommand(_state.Step, epoch, batch));
                if (_state.CancelReason is null) _state.EndEpoch();
            }

            await CollectFinalValuesAsync(plan);
            if (_state.CancelReason is { } reason) _state.End(JobState.Cancelled, $"cancelled after step {_state.Step}: {reason}");
            else _state.End(JobState.Completed, $"completed {_state.Step} steps, final loss {_state.Loss:G6}");
        }
        catch (Exception e)
        {
            string reason = e is JobFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            logger.LogWarning(e, "Job {JobId} failed: {Reason}", _state.JobId, reason);
            await BestEffortAsync(_shards.Select(s => s.AbortAsync(reason)));
            await CollectFinalValuesAsync(plan, ignoreFailure: true);
            _state.End(JobState.Failed, reason, reason);
        }
        finally
        {
            await BestEffortAsync(_workers.Select(w => w.ReleaseAsync()));
            await BestEffortAsync(_shards.Select(s => s.ReleaseAsync()));
        }
    }

    private async Task SetUpAsync(JobPlan plan)
    {
        var timeout = plan.Spec.StepTimeout > MinimumSetupTimeout ? plan.Spec.StepTimeout : MinimumSetupTimeout;
        var shardSetups = plan.Shards.Select((range, s) => _shards[s].InitializeAsync(new ShardSetup
        {
            JobId = _state.JobId,
            Range = range,
            WorldSize = plan.Spec.Workers,
            Optimizer = plan.Spec.Optimizer,
            LrSchedule = plan.Spec.LrSchedule,
            InitialValues = FloatBlock.From(plan.InitialParameters.AsSpan((int)range.Offset, range.Count)),
        })).ToArray();
        await BarrierAsync(shardSetups, timeout, "setting up", i => $"shard {i}");

        var workerSetups = _workers.Select((w, rank) => w.InitializeAsync(new WorkerSetup
        {
            JobId = _state.JobId,
            Rank = rank,
            WorldSize = _workers.Length,
            Spec = plan.Spec,
            Shards = plan.Shards,
        })).ToArray();
        await BarrierAsync(workerSetups, timeout, "setting up", i => $"worker {i}");
        _state.Started(workerSetups.Select(t => t.Result).ToArray());
    }

    private async Task StepAsync(JobPlan plan, StepCommand command)
    {
        // The loop's calls are outgoing: keep the activation from being collected as idle while the job runs.
        DelayDeactivation(plan.Spec.StepTimeout + TimeSpan.FromMinutes(5));
        long started = time.GetTimestamp();
        var calls = _workers.Select(w => w.RunStepAsync(command)).ToArray();
        string what = $"step {command.Step} (epoch {command.Epoch}, batch {command.BatchInEpoch})";
        await BarrierAsync(calls, plan.Spec.StepTimeout, what, WorkerName);
        var results = calls.Select(c => c.Result).ToArray();
        _state.RecordStep(results, time.GetElapsedTime(started));
        if (!double.IsFinite(_state.Loss ?? 0))
            throw new JobFailedException($"the loss is {_state.Loss} at {what}");
    }

    /// <summary>
    /// Waits for every call, at most <paramref name="timeout"/> in all, and stops at the first failure (the others
    /// may be waiting on the failed one): a failure or a timeout ends the job naming the calls at fault.
    /// </summary>
    private async Task BarrierAsync(Task[] calls, TimeSpan timeout, string what, Func<int, string> name)
    {
        long started = time.GetTimestamp();
        var pending = new List<Task>(calls);
        while (pending.Count > 0)
        {
            var remaining = timeout - time.GetElapsedTime(started);
            Task done;
            try
            {
                done = await Task.WhenAny(pending).WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
            }
            catch (TimeoutException)
            {
                var late = Enumerable.Range(0, calls.Length).Where(i => !calls[i].IsCompleted);
                throw new JobFailedException($"{what} timed out after {timeout.TotalSeconds:0.###} s: no answer from {string.Join(", ", late.Select(name))}");
            }

            if (done.IsFaulted || done.IsCanceled)
            {
                int failed = Array.IndexOf(calls, done);
                var error = done.Exception?.InnerException ?? new TaskCanceledException();
                throw new JobFailedException($"{what} failed on {name(failed)}: {error.GetType().Name}: {error.Message}");
            }

            pending.Remove(done);
        }
    }

    /// <summary>Reads the parameters back from the shards and rank 0's buffers, as the job's final state dict.</summary>
    private async Task CollectFinalValuesAsync(JobPlan plan, bool ignoreFailure = false)
    {
        try
        {
            var slices = _shards.Select(s => s.GetParametersAsync()).ToArray();
            var buffers = _workers[0].ReadBuffersAsync();
            await Task.WhenAll(slices.Append<Task>(buffers)).WaitAsync(CleanupTimeout, time);
            var values = new float[plan.Layout.TotalElements];
            foreach (var (range, s) in plan.Shards.Select((r, s) => (r, s)))
                slices[s].Result.CopyTo(values.AsSpan((int)range.Offset, range.Count));
            buffers.Result.CopyTo(values.AsSpan((int)plan.ParameterCount));
            _state.FinalValues = values;
        }
        catch (Exception e) when (ignoreFailure)
        {
            _state.AddEvent("parameters-lost", $"the parameters could not be read back: {e.GetType().Name}: {e.Message}");
        }
    }

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
