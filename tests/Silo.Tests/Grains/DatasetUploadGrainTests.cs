using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Contracts.Uploads;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

public sealed class DatasetUploadGrainTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Upload_InManyChunks_ThreeWorkersTrainAsOnTheInlineData()
    {
        var (inputs, labels) = SyntheticDatasets.Blobs(60, 6, 3, 0.5, seed: 11);
        var upload = NewUpload();
        var info = await upload.UploadAsync([6], inputs, labels, classes: 3, chunkValues: 50);
        var inline = Specs.Mlp(workers: ClusterFixture.Silos, batchSize: 12, epochs: 2) with
        {
            Dataset = DatasetSpec.Uploaded(new InMemoryDataSpec { SampleShape = [6], Inputs = FloatBlock.From(inputs), Labels = labels, Classes = 3 }),
        };
        var expected = ReferenceTraining.Run(inline);

        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(inline with { Dataset = DatasetSpec.FromUpload(info.UploadId) });
        var status = await JobRunner.WaitAsync(job);

        Assert.True(info.Sealed);
        Assert.Equal(60 * 6, info.Received[UploadPart.Inputs]);
        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(ClusterFixture.Silos, status.Workers.Select(w => w.Silo).Distinct().Count());
        var actual = (await job.DownloadStateDictAsync()).ToDictionary(e => e.Name, e => e.Values);
        foreach (var (name, values) in expected)
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(actual[name][i] - values[i]) <= 1e-6 + (1e-5 * Math.Abs(values[i])), $"{name}[{i}]: {actual[name][i]} vs {values[i]}");
    }

    [Fact]
    public async Task PrepareAsync_SealedUploadWithTestSplit_LoadsBothSplitsOncePerSilo()
    {
        var upload = NewUpload();
        var info = await upload.UploadAsync(
            [2], [1, 2, 3, 4, 5, 6], targets: [0.5f, 1, 1.5f], targetShape: [1], testInputs: [7, 8, 9, 10], testTargets: [2, 2.5f], chunkValues: 4);
        var spec = DatasetSpec.FromUpload(info.UploadId);
        var provider = new DatasetProvider();

        await provider.PrepareAsync(spec, cluster.Grains);
        var train = provider.Load(spec, LossNames.Mse);
        await provider.PrepareAsync(spec, cluster.Grains);
        var again = provider.Load(spec, LossNames.Mse);
        var test = provider.LoadTest(spec, LossNames.Mse);

        Assert.Equal([1f, 2, 3, 4, 5, 6], train.Dataset.Tensors[0].ToArray());
        Assert.Equal([0.5f, 1, 1.5f], train.Dataset.Tensors[1].ToArray());
        Assert.Same(train.Dataset.Tensors[0], again.Dataset.Tensors[0]);
        Assert.NotNull(test);
        Assert.Equal([7f, 8, 9, 10], test.Dataset.Tensors[0].ToArray());
        Assert.Equal([2f, 2.5f], test.Dataset.Tensors[1].ToArray());
    }

    [Fact]
    public async Task Submit_MissingUpload_IsRefusedNamingTheUploadId()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp() with { Dataset = DatasetSpec.FromUpload("never-uploaded-" + Guid.NewGuid()) }));

        Assert.Equal("dataset.uploadId", error.Field);
        Assert.Contains("no upload", error.Message);
    }

    [Fact]
    public async Task Submit_UnsealedUpload_IsRefusedSayingWhatIsMissing()
    {
        var upload = NewUpload();
        await upload.BeginAsync(new DatasetUploadHeader { SampleShape = [6], Samples = 10, Classes = 3 });
        await upload.AppendAsync(new DatasetChunk { Part = UploadPart.Inputs, Offset = 0, Values = FloatBlock.From(new float[60]) });
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp() with { Dataset = DatasetSpec.FromUpload(upload.GetPrimaryKeyString()) }));

        Assert.Equal("dataset.uploadId", error.Field);
        Assert.Contains("not sealed", error.Message);
        Assert.Contains("Labels 0/10", error.Message);
    }

    [Fact]
    public async Task Begin_OverTheValueLimit_IsRefusedBeforeAnyData()
    {
        var header = new DatasetUploadHeader { SampleShape = [1024], Samples = (int)(DatasetProvider.MaxValues / 1024), Classes = 2 };

        var error = await Assert.ThrowsAsync<JobSpecException>(() => NewUpload().BeginAsync(header));

        Assert.Equal("upload.samples", error.Field);
        Assert.Contains($"more than the {DatasetProvider.MaxValues}", error.Message);
    }

    [Fact]
    public async Task Append_OutOfOrderOrPastTheDeclaredSize_IsRefusedNamingThePart()
    {
        var upload = NewUpload();
        await upload.BeginAsync(new DatasetUploadHeader { SampleShape = [2], Samples = 2 });
        await upload.AppendAsync(new DatasetChunk { Part = UploadPart.Inputs, Offset = 0, Values = FloatBlock.From([1, 2]) });

        var gap = await Assert.ThrowsAsync<JobSpecException>(() => upload.AppendAsync(new DatasetChunk { Part = UploadPart.Inputs, Offset = 3, Values = FloatBlock.From([4]) }));
        var overrun = await Assert.ThrowsAsync<JobSpecException>(() => upload.AppendAsync(new DatasetChunk { Part = UploadPart.Inputs, Offset = 2, Values = FloatBlock.From([3, 4, 5]) }));
        var undeclared = await Assert.ThrowsAsync<JobSpecException>(() => upload.AppendAsync(new DatasetChunk { Part = UploadPart.TestInputs, Offset = 0, Values = FloatBlock.From([1]) }));
        var incomplete = await Assert.ThrowsAsync<JobSpecException>(() => upload.SealAsync());

        Assert.Equal("upload.Inputs", gap.Field);
        Assert.Contains("in order", gap.Message);
        Assert.Equal("upload.Inputs", overrun.Field);
        Assert.Contains("overrun", overrun.Message);
        Assert.Equal("upload.TestInputs", undeclared.Field);
        Assert.Equal("upload.Inputs", incomplete.Field);
        Assert.Contains("2 of 4 values", incomplete.Message);
    }

    [Fact]
    public async Task Seal_LabelOutsideTheClasses_IsRefused_AndASealedUploadCannotChange()
    {
        var bad = NewUpload();
        var error = await Assert.ThrowsAsync<JobSpecException>(() => bad.UploadAsync([1], [1, 2], labels: [0, 5], classes: 2));
        var good = NewUpload();
        await good.UploadAsync([1], [1, 2], labels: [0, 1]);

        var change = await Assert.ThrowsAsync<InvalidOperationException>(() => good.BeginAsync(new DatasetUploadHeader { SampleShape = [1], Samples = 1 }));

        Assert.Equal("upload.labels", error.Field);
        Assert.Contains("label 1 is 5, outside [0, 2)", error.Message);
        Assert.Contains("sealed", change.Message);
        Assert.False((await bad.GetInfoAsync()).Sealed);
    }

    [Fact]
    public async Task Delete_ThenSubmit_IsRefused()
    {
        var upload = NewUpload();
        await upload.UploadAsync([6], new float[12], labels: [0, 1]);
        await upload.DeleteAsync();
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp() with { Dataset = DatasetSpec.FromUpload(upload.GetPrimaryKeyString()) }));

        Assert.Equal("dataset.uploadId", error.Field);
    }

    private IDatasetUploadGrain NewUpload() => cluster.Grains.GetGrain<IDatasetUploadGrain>("upload-" + Guid.NewGuid().ToString("N"));
}
