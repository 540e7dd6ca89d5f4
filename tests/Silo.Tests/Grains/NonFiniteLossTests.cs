using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

/// <summary>One sample with a NaN feature makes its batch's loss NaN once an epoch: the job stops, or skips that step.</summary>
public sealed class NonFiniteLossTests(ClusterFixture cluster)
{
    [Fact]
    public async Task NanLoss_DefaultPolicy_FailsNamingTheStepAndTheLoss()
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 12, epochs: 2) with { Dataset = BlobsWithOneNan() };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);

        var status = await JobRunner.WaitAsync(job);

        Assert.Equal(JobState.Failed, status.State);
        Assert.Matches(@"^the loss is NaN at step (\d+) \(epoch 0, batch \d\)", status.FailureReason);
        Assert.Equal(0, status.SkippedSteps);
        // The bad step's update was dropped on every shard: what the job leaves behind is finite.
        Assert.All(await job.DownloadStateDictAsync(), e => Assert.All(e.Values, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public async Task NanLoss_SkipStep_SkipsOneStepAnEpochAndOtherwiseMatchesOneProcess()
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 12, epochs: 3) with
        {
            Dataset = BlobsWithOneNan(),
            OnNonFiniteLoss = JobSpec.SkipNonFiniteStep,
            Optimizer = OptimizerSpec.AdamWith(0.01),
        };
        var expected = ReferenceTraining.Run(spec, skipNonFinite: true);
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);

        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(15, status.Step);
        Assert.Equal(3, status.SkippedSteps);
        Assert.Equal(3, status.Events.Count(e => e.Kind == "step-skipped" && e.Message.Contains("the loss is NaN", StringComparison.Ordinal)));
        StateDictAssert.Matches(expected, await job.DownloadStateDictAsync(), "skip-step");
    }

    [Fact]
    public async Task Submit_UnknownPolicy_IsRefusedNamingTheField()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp() with { OnNonFiniteLoss = "ignore" }));

        Assert.Equal("onNonFiniteLoss", error.Field);
    }

    /// <summary><see cref="Specs.Blobs"/> uploaded in memory, with sample 17's first feature NaN.</summary>
    private static DatasetSpec BlobsWithOneNan()
    {
        var blobs = Specs.Blobs();
        var (inputs, labels) = SyntheticDatasets.Blobs(blobs.Samples, 6, blobs.Classes, blobs.Noise, blobs.Seed);
        inputs[17 * 6] = float.NaN;
        return DatasetSpec.Uploaded(new InMemoryDataSpec { SampleShape = [6], Inputs = FloatBlock.From(inputs), Labels = labels, Classes = blobs.Classes });
    }
}
