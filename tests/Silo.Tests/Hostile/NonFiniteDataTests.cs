using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Contracts.Uploads;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hostile;

/// <summary>
/// NaN and infinite values in a job's DATA (not a diverging loss): an uploaded dataset holding them trains until the
/// batch that holds the bad sample, which makes the loss or a gradient non-finite; the job then does what
/// <see cref="JobSpec.OnNonFiniteLoss"/> says: stops naming the step, or skips the step and counts it. A CSV file is
/// checked as it is read: its non-finite cells are refused at submit, naming the line and the column.
/// </summary>
public sealed class NonFiniteDataTests(ClusterFixture cluster)
{
    private const int BadSample = 17;

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public async Task UploadedNonFiniteValue_StopPolicy_FailsNamingTheStepAndLeavesFiniteParameters(float bad)
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 12, epochs: 2) with { Dataset = await UploadBlobsWithAsync(bad) };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);

        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Failed, JobRunner.Describe(status));
        Assert.Matches(@"^the loss is \S+ at step \d+ \(epoch 0, batch \d\) \(or a gradient is not finite\); onNonFiniteLoss is 'stop'$", status.FailureReason);
        Assert.DoesNotContain('\n', status.FailureReason!);
        Assert.Equal(0, status.SkippedSteps);
        Assert.All(await job.DownloadStateDictAsync(), e => Assert.All(e.Values, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public async Task UploadedNaN_SkipStep_SkipsTheBadBatchEachEpochAndOtherwiseMatchesOneProcess()
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 12, epochs: 3) with
        {
            Dataset = await UploadBlobsWithAsync(float.NaN),
            OnNonFiniteLoss = JobSpec.SkipNonFiniteStep,
            Optimizer = OptimizerSpec.AdamWith(0.01),
        };
        var expected = ReferenceTraining.Run(spec with { Dataset = InlineBlobsWith(float.NaN) }, skipNonFinite: true);
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);

        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(3, status.SkippedSteps);
        Assert.Equal(3, status.Events.Count(e => e.Kind == "step-skipped"));
        StateDictAssert.Matches(expected, await job.DownloadStateDictAsync(), "skip-step over uploaded NaN data");
    }

    [Fact]
    public async Task UploadedInfinity_SkipStep_CountsOneSkippedStepAnEpochAndEndsFinite()
    {
        // An infinite input can leave the loss finite (tanh saturates) while its gradient is not: the step is skipped all the same.
        var spec = Specs.Mlp(workers: 2, batchSize: 12, epochs: 3) with { Dataset = await UploadBlobsWithAsync(float.PositiveInfinity), OnNonFiniteLoss = JobSpec.SkipNonFiniteStep };
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);

        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(15, status.Step);
        Assert.Equal(3, status.SkippedSteps);
        Assert.All(await job.DownloadStateDictAsync(), e => Assert.All(e.Values, v => Assert.True(float.IsFinite(v))));
    }

    [Theory]
    [InlineData("nan", JobSpec.StopOnNonFinite)]
    [InlineData("-Infinity", JobSpec.SkipNonFiniteStep)]
    public async Task CsvNonFiniteCell_AnyPolicy_IsRefusedAtSubmitNamingTheLineAndColumn(string cell, string policy)
    {
        string path = Path.Combine(Path.GetTempPath(), $"nonfinite-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, $"x1,x2,y\n1,2,0\n3,{cell},1\n0.5,1,0\n", TestContext.Current.CancellationToken);
        try
        {
            var spec = Specs.Mlp(batchSize: 2) with
            {
                Model = ModelSpec.Sequential(LayerSpec.Linear(2, 4), LayerSpec.Tanh(), LayerSpec.Linear(4, 2)),
                Dataset = DatasetSpec.CsvFile(path, new CsvDataSpec()),
                OnNonFiniteLoss = policy,
            };
            var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

            var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(spec));

            Assert.Equal("dataset.path", error.Field);
            Assert.Contains($"line 3, column 1 ('x2'): '{cell}' is not a finite number", error.Message);
            Assert.Equal(JobState.New, (await job.GetStatusAsync()).State);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary><see cref="Specs.Blobs"/> through an upload grain, with sample 17's first feature replaced.</summary>
    private async Task<DatasetSpec> UploadBlobsWithAsync(float bad)
    {
        var (inputs, labels) = BlobsWith(bad);
        var upload = cluster.Grains.GetGrain<IDatasetUploadGrain>(Guid.NewGuid().ToString("N"));
        var info = await upload.UploadAsync([6], inputs, labels, classes: 3);
        return DatasetSpec.FromUpload(info.UploadId);
    }

    private static DatasetSpec InlineBlobsWith(float bad)
    {
        var (inputs, labels) = BlobsWith(bad);
        return DatasetSpec.Uploaded(new InMemoryDataSpec { SampleShape = [6], Inputs = FloatBlock.From(inputs), Labels = labels, Classes = 3 });
    }

    private static (float[] Inputs, long[] Labels) BlobsWith(float bad)
    {
        var blobs = Specs.Blobs();
        var (inputs, labels) = SyntheticDatasets.Blobs(blobs.Samples, 6, blobs.Classes, blobs.Noise, blobs.Seed);
        inputs[BadSample * 6] = bad;
        return (inputs, labels);
    }
}
