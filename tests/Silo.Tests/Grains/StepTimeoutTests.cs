using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

public sealed class StepTimeoutTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Step_WorkersSlowerThanTheTimeout_FailsTheJobNamingThem()
    {
        // Every batch read takes 3 s (simulated slow storage) against a 400 ms step timeout.
        var spec = Specs.Mlp(workers: 2) with
        {
            Dataset = DatasetSpec.Generated(Specs.Blobs() with { ReadDelayMs = 3000 }),
            StepTimeout = TimeSpan.FromMilliseconds(400),
        };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);

        var status = await JobRunner.WaitAsync(job, TimeSpan.FromSeconds(30));

        Assert.Equal(JobState.Failed, status.State);
        Assert.NotNull(status.FailureReason);
        Assert.Contains("step 0 (epoch 0, batch 0) timed out after 0.4 s: no answer from worker 0", status.FailureReason);
        Assert.Contains("worker 1", status.FailureReason);
        Assert.Equal(0, status.Step);
        Assert.Contains(status.Events, e => e.Kind == "failed" && e.Message == status.FailureReason);
    }
}
