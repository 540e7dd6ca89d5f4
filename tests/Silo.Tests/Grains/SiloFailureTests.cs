using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Tests.Support;
using Orleans.TestingHost;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

/// <summary>Kills silos, so it runs on a cluster of its own rather than the shared one.</summary>
public sealed class SiloFailureTests : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSiloHost((_, host) => host.Configuration[ComputeDevice.ConfigurationKey] = "cpu");
        builder.ConfigureSilo((_, silo) => silo.AddAutogradTraining());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Job_SiloOfAWorkerKilled_RecoversFromTheCheckpointAndMatchesAnUndisturbedRun()
    {
        var cluster = _cluster!;
        // 60 samples at B = 6: 10 steps an epoch, 40 in all, each batch read 30 ms; checkpoints every 4 steps.
        var spec = Specs.Mlp(workers: 2, batchSize: 6, epochs: 4) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 30 }),
            Optimizer = OptimizerSpec.AdamWith(0.01),
            CheckpointInterval = 4,
            StepTimeout = TimeSpan.FromSeconds(5),
        };
        var expected = ReferenceTraining.Run(spec);
        var job = cluster.Client.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        JobStatus status;
        do
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
            status = await job.GetStatusAsync();
        }
        while (status.Step < 6 && !status.IsFinished);

        // A silo that runs a worker but not the coordinator (two workers on distinct silos: one of them qualifies).
        var victim = status.Workers.First(w => w.Silo != status.CoordinatorSilo);
        var handle = cluster.Silos.Single(s => s.SiloAddress.ToString() == victim.Silo);
        var clock = Stopwatch.StartNew();
        await cluster.KillSiloAsync(handle, TestContext.Current.CancellationToken);
        var resumedAt = await WaitForStepAfterRecoveryAsync(job, clock);
        var ended = await JobRunner.WaitAsync(job, TimeSpan.FromSeconds(120));

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"killed {victim.Silo} (worker {victim.Rank}) at step {status.Step}; a step completed after recovery {resumedAt.TotalSeconds:0.00} s later; " +
            $"{ended.RedoneSteps} step(s) redone; events: {string.Join(" | ", ended.Events.Where(e => e.Kind is "silo-lost" or "recovering" or "recovered").Select(e => $"{e.Kind}: {e.Message}"))}");
        Assert.True(ended.State == JobState.Completed, JobRunner.Describe(ended));
        Assert.Equal(40, ended.Step);
        Assert.True(ended.Recoveries >= 1, JobRunner.Describe(ended));
        Assert.Contains(ended.Events, e => e.Kind == "silo-lost" && e.Message.Contains(victim.Silo, StringComparison.Ordinal));
        Assert.Contains(ended.Events, e => e.Kind == "recovered" && e.Message.Contains("recovered from the checkpoint at step", StringComparison.Ordinal));
        // Two live silos remain for the two workers; none of them is the dead one.
        Assert.Equal(2, ended.WorldSize);
        Assert.DoesNotContain(ended.Workers, w => w.Silo == victim.Silo);
        Assert.All(ended.EpochHistory, e => Assert.Equal(60, e.Samples));
        StateDictAssert.Matches(expected, await job.DownloadStateDictAsync(), "after recovery");
    }

    [Fact]
    public async Task Job_SiloKilledBeforeTheFirstCheckpoint_RestartsFromTheInitialParameters()
    {
        var cluster = _cluster!;
        // 60 samples at B = 3: 20 steps an epoch; checkpoints at epoch ends only, so none exists at the kill.
        var spec = Specs.Mlp(workers: 2, batchSize: 3, epochs: 1) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 30 }),
            CheckpointInterval = 0,
            StepTimeout = TimeSpan.FromSeconds(5),
        };
        var expected = ReferenceTraining.Run(spec);
        var job = cluster.Client.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        JobStatus status;
        do
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
            status = await job.GetStatusAsync();
        }
        while (status.Step < 3 && !status.IsFinished);
        Assert.Null(status.LastCheckpointStep);

        var victim = status.Workers.First(w => w.Silo != status.CoordinatorSilo);
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloAddress.ToString() == victim.Silo), TestContext.Current.CancellationToken);
        var ended = await JobRunner.WaitAsync(job, TimeSpan.FromSeconds(120));

        Assert.True(ended.State == JobState.Completed, JobRunner.Describe(ended));
        Assert.Contains(ended.Events, e => e.Kind == "recovered" && e.Message.StartsWith("recovered from the initial parameters (no checkpoint yet)", StringComparison.Ordinal));
        Assert.True(ended.RedoneSteps >= 3, JobRunner.Describe(ended));
        StateDictAssert.Matches(expected, await job.DownloadStateDictAsync(), "restarted from the initial parameters");
    }

    [Fact]
    public async Task Job_SiloOfTheCoordinatorKilled_ContinuesFromTheCheckpointOnTheClientsNextCall()
    {
        var cluster = _cluster!;
        var spec = Specs.Mlp(workers: 2, batchSize: 6, epochs: 4) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 30 }),
            Optimizer = OptimizerSpec.SgdWith(0.1, momentum: 0.9),
            CheckpointInterval = 4,
            StepTimeout = TimeSpan.FromSeconds(5),
        };
        var expected = ReferenceTraining.Run(spec);
        var job = cluster.Client.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        JobStatus status;
        do
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
            status = await job.GetStatusAsync();
        }
        while (status.LastCheckpointStep is null or < 8 && !status.IsFinished);

        var handle = cluster.Silos.Single(s => s.SiloAddress.ToString() == status.CoordinatorSilo);
        var clock = Stopwatch.StartNew();
        await cluster.KillSiloAsync(handle, TestContext.Current.CancellationToken);
        // The status polls are the calls that re-activate the coordinator on a live silo.
        var ended = await PollThroughFailuresAsync(job, clock);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"killed the coordinator's silo {status.CoordinatorSilo} at step {status.Step}; job {ended.State} {clock.Elapsed.TotalSeconds:0.00} s later; " +
            string.Join(" | ", ended.Events.Where(e => e.Kind is "recovering" or "recovered").Select(e => $"{e.Kind}: {e.Message}")));
        Assert.True(ended.State == JobState.Completed, JobRunner.Describe(ended));
        Assert.NotEqual(status.CoordinatorSilo, ended.CoordinatorSilo);
        Assert.Contains(ended.Events, e => e.Kind == "recovering" && e.Message.StartsWith("coordinator re-activated on ", StringComparison.Ordinal));
        Assert.Equal(40, ended.Step);
        StateDictAssert.Matches(expected, await job.DownloadStateDictAsync(), "after the coordinator's silo died");
    }

    private static async Task<JobStatus> PollThroughFailuresAsync(ITrainingJobGrain job, Stopwatch clock)
    {
        while (true)
        {
            try
            {
                var status = await job.GetStatusAsync();
                if (status.IsFinished) return status;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException && clock.Elapsed < TimeSpan.FromSeconds(120))
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"status call failed, retrying: {e.GetType().Name}: {e.Message}");
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException("the job did not end within 120 s of the kill");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The time from the kill until the job, recovered, has completed a step past its restored checkpoint.</summary>
    private static async Task<TimeSpan> WaitForStepAfterRecoveryAsync(ITrainingJobGrain job, Stopwatch clock)
    {
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            var status = await job.GetStatusAsync();
            if (status.IsFinished || (status.Recoveries > 0 && status.State == JobState.Running && status.Step > (status.LastCheckpointStep ?? 0)))
                return clock.Elapsed;
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("the job did not complete a step within 120 s of the kill");
    }
}
