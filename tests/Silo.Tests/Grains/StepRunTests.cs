using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

/// <summary>
/// The coordinator's runs of consecutive steps on a cluster that runs them 4 at a time (<see cref="StepRunCluster"/>):
/// 60 blob samples at B = 12 are 5 steps an epoch, so the runs are steps [0], [1] (queued behind [0] at its pace),
/// [2-4], then [5-8], [9] and so on, cut short by checkpoints. Whatever the runs, a job must reach the single-process
/// parameters, stop at a bad step inside a run without applying a later one or starting the run queued behind it, take
/// a cancel at the end of the run queued behind the one in progress, and time out per step, not per run.
/// </summary>
public sealed class StepRunTests(StepRunCluster cluster) : IClassFixture<StepRunCluster>
{
    [Fact]
    public async Task Job_RunsCutAtCheckpointsAndEpochEnds_MatchesOneProcessAndCheckpointsEveryInterval()
    {
        // Checkpoints every 3 steps: the runs are [0], [1], [2], [3-4], [5], [6-8], [9], [10-11], [12-14].
        var spec = Specs.Mlp(workers: 2, epochs: 3) with { Optimizer = OptimizerSpec.AdamWith(0.01), CheckpointInterval = 3 };
        var expected = ReferenceTraining.Run(spec);

        var status = await JobRunner.RunAsync(cluster.Grains, spec);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(15, status.Step);
        Assert.Equal(15, status.LastCheckpointStep);
        // A shard checkpoints only at the exact step with no contribution gathered: a run that went past a checkpoint
        // step would have failed that checkpoint.
        Assert.DoesNotContain(status.Events, e => e.Kind == "checkpoint-failed");
        Assert.Equal(3, status.EpochHistory.Length);
        Assert.All(status.EpochHistory, e => Assert.Equal(60, e.Samples));
        Assert.Equal(2, status.Workers.Length);
        Assert.All(status.Workers, w => Assert.Equal(6, w.LastSamples));
        StateDictAssert.Matches(expected, await (cluster.Grains.GetGrain<ITrainingJobGrain>(status.JobId)).DownloadStateDictAsync(), "runs of 4 steps");
    }

    [Theory]
    // Step 3, inside the run [2-4], rank 1's NaN: rank 0 has run step 3 and waits at step 4 until the coordinator stops it.
    [InlineData(3, 1)]
    // Step 1, the last of the run [1], with [2-4] queued behind it, rank 0's NaN: rank 0 stops there and must not start
    // [2-4]; rank 1 starts it and waits at step 2 until the coordinator stops it.
    [InlineData(1, 0)]
    public async Task NanLoss_InsideARunOrAtItsEndWithTheNextQueued_FailsAtThatStepWithoutApplyingItOrALaterOne(int batch, int position)
    {
        var spec = Specs.Mlp(workers: 2, epochs: 2) with { CheckpointInterval = 0 };
        spec = spec with { Dataset = BlobsWithNanAt(spec, epoch: 0, batch, position) };
        var expected = ReferenceTraining.Run(spec, maxSteps: batch);
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);

        var status = await JobRunner.WaitAsync(job);

        Assert.Equal(JobState.Failed, status.State);
        Assert.StartsWith($"the loss is NaN at step {batch} (epoch 0, batch {batch})", status.FailureReason, StringComparison.Ordinal);
        Assert.Equal(batch, status.Step);
        Assert.Equal(0, status.SkippedSteps);
        StateDictAssert.Matches(expected, await job.DownloadStateDictAsync(), $"stopped at step {batch}");
    }

    [Fact]
    public async Task Run_ThatReachesAWorkerBeforeTheRunItFollowsOrFromAnotherFormation_IsAnsweredEarlyOrRefusedAndChangesNothing()
    {
        // A run far ahead of the worker (past the job's 10 steps, so whatever step the worker is at when the call gets its
        // turn), as a queued run would be if it overtook the run before it on the way: the worker answers it at once with
        // no steps (the coordinator asks again), and the job goes on undisturbed.
        var spec = Specs.Mlp(workers: 2, epochs: 2) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 50 }),
            CheckpointInterval = 0,
            Optimizer = OptimizerSpec.AdamWith(0.01),
        };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        while ((await job.GetStatusAsync()) is { Step: < 1, IsFinished: false })
            await Task.Delay(5, TestContext.Current.CancellationToken);

        var worker = MemberKeys.Worker(cluster.Grains, job.GetPrimaryKeyString(), 1);
        var early = await worker.RunStepsAsync(new StepRun(1000, 0, 0, 1));
        // A run of another formation (one still on its way when a recovery set the worker up again) is refused outright.
        var stale = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunStepsAsync(new StepRun(1000, 0, 0, 1, Generation: 7)));
        var status = await JobRunner.WaitAsync(job);

        Assert.True(early.Early, "a run from step 1000 was not answered Early");
        Assert.Empty(early.Steps);
        Assert.Contains("is in formation 0 of the job, but was asked for a run of formation 7 from step 1000", stale.Message);
        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        StateDictAssert.Matches(ReferenceTraining.Run(spec), await job.DownloadStateDictAsync(), "a stray early run");
    }

    [Fact]
    public async Task NanLoss_InTheMiddleOfARunWithSkipStep_SkipsOnlyThatStepAndGoesOn()
    {
        var spec = Specs.Mlp(workers: 2, epochs: 3) with { CheckpointInterval = 0, OnNonFiniteLoss = JobSpec.SkipNonFiniteStep, Optimizer = OptimizerSpec.AdamWith(0.01) };
        spec = spec with { Dataset = BlobsWithNanAt(spec, epoch: 0, batch: 2, position: 0) };
        var expected = ReferenceTraining.Run(spec, skipNonFinite: true);

        var status = await JobRunner.RunAsync(cluster.Grains, spec);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(15, status.Step);
        // The sample is in one batch of every epoch.
        Assert.Equal(3, status.SkippedSteps);
        Assert.Contains(status.Events, e => e.Kind == "step-skipped" && e.Message.StartsWith("step 2 (epoch 0, batch 2): the loss is NaN", StringComparison.Ordinal));
        StateDictAssert.Matches(expected, await (cluster.Grains.GetGrain<ITrainingJobGrain>(status.JobId)).DownloadStateDictAsync(), "skip-step inside runs");
    }

    [Fact]
    public async Task Cancel_DuringARun_TakesEffectAtTheEndOfTheRunQueuedBehindIt()
    {
        // Every batch read takes 100 ms: the runs [1] and [2-4] last at least 400 ms, and the cancel lands in them.
        var spec = Specs.Mlp(workers: 2, epochs: 4) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 100 }),
            CheckpointInterval = 0,
        };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        while ((await job.GetStatusAsync()) is { Step: < 1, IsFinished: false })
            await Task.Delay(5, TestContext.Current.CancellationToken);

        var requested = await job.CancelAsync("stop mid-run");
        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Cancelled, JobRunner.Describe(status));
        // The run in progress when the cancel came finished, and the one queued behind it; no run started after them.
        // Runs end after steps 1, 2, 5, 9, 10, 14, 15, 19, 20 (epochs of 5 steps), and a run is queued only within an epoch.
        Assert.True(status.Step > requested.Step, $"cancelled at step {requested.Step}, ended at step {status.Step}");
        Assert.Contains(status.Step, new long[] { 5, 9, 10, 14, 15, 19 });
        Assert.True(status.Step < status.TotalSteps, $"the job ran to its end ({status.Step} steps) before the cancel took effect");
        StateDictAssert.Matches(ReferenceTraining.Run(spec, maxSteps: status.Step), await job.DownloadStateDictAsync(), $"cancelled after step {status.Step}");
    }

    [Fact]
    public async Task Run_LongerThanTheStepTimeoutAndOrleansResponseTimeout_CompletesWhileEveryStepIsWithinIt()
    {
        // Steps of at least 1.5 s against a 3 s step timeout: the run [2-4] takes 4.5 s or more, which is no step's fault,
        // and its call, sent when [1] started and queued behind it, lasts the 4 steps of both: 6 s or more, longer than
        // the silos' 5 s response timeout, which must not end the run's call either.
        var spec = Specs.Mlp(workers: 2, epochs: 1) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 1500 }),
            CheckpointInterval = 0,
            StepTimeout = TimeSpan.FromSeconds(3),
        };
        Assert.True(StepRunCluster.MaxSteps * TimeSpan.FromMilliseconds(1500) > StepRunCluster.ResponseTimeout);

        var status = await JobRunner.RunAsync(cluster.Grains, spec);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(5, status.Step);
    }

    /// <summary>
    /// <see cref="Specs.Blobs"/> uploaded in memory, with a NaN first feature in the sample at <paramref name="position"/>
    /// of batch <paramref name="batch"/> in <paramref name="epoch"/>'s order (rank r of N takes positions r, r + N, ...).
    /// </summary>
    private static DatasetSpec BlobsWithNanAt(JobSpec spec, int epoch, int batch, int position)
    {
        var blobs = Specs.Blobs();
        var (inputs, labels) = SyntheticDatasets.Blobs(blobs.Samples, 6, blobs.Classes, blobs.Noise, blobs.Seed);
        int sample = BatchPartition.EpochOrder(blobs.Samples, spec.Shuffle, spec.Seed, epoch)[(batch * spec.BatchSize) + position];
        inputs[sample * 6] = float.NaN;
        return DatasetSpec.Uploaded(new InMemoryDataSpec { SampleShape = [6], Inputs = FloatBlock.From(inputs), Labels = labels, Classes = blobs.Classes });
    }
}
