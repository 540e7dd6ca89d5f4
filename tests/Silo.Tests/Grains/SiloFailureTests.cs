using Autograd.Cluster.Contracts;
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
    public async Task Job_SiloOfAWorkerKilled_FailsWithTheReasonInsteadOfHanging()
    {
        var cluster = _cluster!;
        var job = cluster.Client.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Specs.Mlp(workers: 2, batchSize: 2, epochs: 500) with { StepTimeout = TimeSpan.FromSeconds(5) });
        JobStatus status;
        do
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
            status = await job.GetStatusAsync();
        }
        while (status.Step < 3 && !status.IsFinished);

        // A silo that runs a worker but not the coordinator (two workers on distinct silos: one of them qualifies).
        var victim = status.Workers.First(w => w.Silo != status.CoordinatorSilo);
        var handle = cluster.Silos.Single(s => s.SiloAddress.ToString() == victim.Silo);
        await cluster.KillSiloAsync(handle, TestContext.Current.CancellationToken);
        var ended = await JobRunner.WaitAsync(job, TimeSpan.FromSeconds(60));

        Assert.Equal(JobState.Failed, ended.State);
        // Whichever call notices first is named: the dead worker, or a survivor whose gradient reached a lost shard.
        Assert.Matches(@"^step \d+ \(epoch \d+, batch \d+\) (failed on worker [01] \(on S|timed out after 5 s)", ended.FailureReason);
        Assert.True(ended.Step < ended.TotalSteps);
        Assert.Contains(ended.Events, e => e.Kind == "failed");
    }
}
