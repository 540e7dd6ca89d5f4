using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

/// <summary>
/// Checkpoints are by parameter name: a job stopped after some steps resumes from its last checkpoint on another
/// number of workers (so another shard layout) and ends with the parameters of an uninterrupted single-process run,
/// which needs the optimizer state (momentum buffers, Adam's moments and step count) to round-trip exactly.
/// </summary>
public sealed class CheckpointResumeTests(ClusterFixture cluster)
{
    [Theory]
    [InlineData(OptimizerSpec.Sgd, 3)]
    [InlineData(OptimizerSpec.Sgd, 1)]
    [InlineData(OptimizerSpec.Adam, 3)]
    [InlineData(OptimizerSpec.Adam, 1)]
    public async Task Resume_CancelledAfterACheckpoint_OnOtherWorkerCount_MatchesUninterruptedRun(string optimizer, int resumeWorkers)
    {
        // 60 samples at B = 12: 5 steps an epoch, 20 in all; every batch read takes 25 ms so the cancel lands mid-job.
        var spec = Specs.Mlp(workers: 2, batchSize: 12, epochs: 4) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 25 }),
            Optimizer = optimizer == OptimizerSpec.Sgd ? OptimizerSpec.SgdWith(0.1, momentum: 0.9) : OptimizerSpec.AdamWith(0.01),
            CheckpointInterval = 3,
        };
        var expected = ReferenceTraining.Run(spec);
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        while ((await job.GetStatusAsync()) is { LastCheckpointStep: null or < 6, IsFinished: false })
            await Task.Delay(10, TestContext.Current.CancellationToken);
        await job.CancelAsync("stop to resume");
        var stopped = await JobRunner.WaitAsync(job);
        Assert.True(stopped.State == JobState.Cancelled, JobRunner.Describe(stopped));
        long checkpoint = stopped.LastCheckpointStep!.Value;

        var resumed = await job.ResumeAsync(resumeWorkers);
        var ended = await JobRunner.WaitAsync(job);

        Assert.True(ended.State == JobState.Completed, JobRunner.Describe(ended));
        Assert.Equal(20, ended.Step);
        Assert.Equal(resumeWorkers, ended.WorldSize);
        Assert.Equal(resumeWorkers, ended.Workers.Length);
        Assert.Equal(1, ended.Recoveries);
        Assert.Contains(resumed.Events, e => e.Kind == "resumed" && e.Message.Contains($"checkpoint at step {checkpoint} with {resumeWorkers} worker(s)", StringComparison.Ordinal));
        Assert.Equal(4, ended.EpochHistory.Length);
        Assert.All(ended.EpochHistory, e => Assert.Equal(60, e.Samples));
        StateDictAssert.Matches(expected, await job.DownloadStateDictAsync(), $"{optimizer}, 2 -> {resumeWorkers} workers from step {checkpoint}");
    }

    [Fact]
    public async Task Resume_WithAPerStepSchedule_RestoresTheScheduleAtTheCheckpointsStep()
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 12, epochs: 4) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 25 }),
            LrSchedule = new LrScheduleSpec { Kind = LrScheduleSpec.Cosine, TMax = 20, EtaMin = 0.001, Interval = LrScheduleSpec.PerStep },
            CheckpointInterval = 3,
        };
        var expected = ReferenceTraining.Run(spec);
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        while ((await job.GetStatusAsync()) is { LastCheckpointStep: null or < 6, IsFinished: false })
            await Task.Delay(10, TestContext.Current.CancellationToken);
        await job.CancelAsync("stop to resume");
        await JobRunner.WaitAsync(job);

        await job.ResumeAsync(3);
        var ended = await JobRunner.WaitAsync(job);

        Assert.True(ended.State == JobState.Completed, JobRunner.Describe(ended));
        StateDictAssert.Matches(expected, await job.DownloadStateDictAsync(), "per-step cosine, resumed on 3 workers");
    }

    [Fact]
    public async Task Resume_RunningOrCompletedJob_IsRefused()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Specs.Mlp());
        await JobRunner.WaitAsync(job);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => job.ResumeAsync(null));

        Assert.Contains("only a failed or cancelled job can resume", error.Message);
    }

    [Fact]
    public async Task Resume_NonPositiveWorkers_IsRefusedNamingTheField()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Specs.Mlp(workers: 2, batchSize: 2, epochs: 200));
        await job.CancelAsync("stop");
        await JobRunner.WaitAsync(job);

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.ResumeAsync(0));

        Assert.Equal("workers", error.Field);
        Assert.Equal(JobState.Cancelled, (await job.GetStatusAsync()).State);
    }

    [Fact]
    public async Task Submit_NegativeCheckpointInterval_IsRefusedNamingTheField()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp() with { CheckpointInterval = -1 }));

        Assert.Equal("checkpointInterval", error.Field);
    }

    [Fact]
    public async Task Checkpoints_EveryIntervalAndAtEpochEnds_LastOneIsTheFinalStep()
    {
        // 5 steps an epoch, interval 3: checkpoints at 3, 5 (epoch end), 6, 9, 10 (epoch end).
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Specs.Mlp(workers: 2, batchSize: 12, epochs: 2) with { CheckpointInterval = 3 });

        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(10, status.LastCheckpointStep);
        Assert.Equal(0, status.Recoveries);
    }

    [Fact]
    public async Task ReadParameters_AfterTheCoordinatorWasDeactivated_ServesTheStoredStateDict()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Specs.Mlp(workers: 2));
        var status = await JobRunner.WaitAsync(job);
        var before = await job.DownloadStateDictAsync();

        var management = cluster.Grains.GetGrain<IManagementGrain>(0);
        await management.DeactivateGrain(job.GetGrainId(), TestContext.Current.CancellationToken);
        var after = await job.GetStatusAsync();

        Assert.Equal(JobState.Completed, after.State);
        Assert.Equal(status.Step, after.Step);
        Assert.Equal(status.EpochHistory, after.EpochHistory);
        var reloaded = await job.DownloadStateDictAsync();
        Assert.Equal(before.Select(e => e.Name), reloaded.Select(e => e.Name));
        foreach (var (b, r) in before.Zip(reloaded)) Assert.Equal(b.Values, r.Values);
    }
}
