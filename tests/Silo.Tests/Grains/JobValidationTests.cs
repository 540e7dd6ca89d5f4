using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

public sealed class JobValidationTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Submit_NonPositiveLearningRate_ThrowsJobSpecExceptionNamingTheField()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp() with { Optimizer = OptimizerSpec.SgdWith(0) }));

        Assert.Equal("optimizer.lr", error.Field);
        Assert.Contains("the learning rate must be positive", error.Message);
        var status = await job.GetStatusAsync();
        Assert.Equal(JobState.New, status.State);
        Assert.Contains(status.Events, e => e.Kind == "refused" && e.Message.StartsWith("optimizer.lr", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Submit_ShapeMismatch_NamesTheLayerAndBothShapes()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        var spec = Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 16), LayerSpec.ReLU(), LayerSpec.Linear(12, 3)) };

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(spec));

        Assert.Equal("model.layers[2]", error.Field);
        Assert.Contains("expects input [*, 12] but gets [2, 16]", error.Message);
    }

    [Fact]
    public async Task Submit_LayerThatFitsOnlyABatchOfTwo_IsRefusedNamingTheLayerAndBothShapes()
    {
        // LayerNorm over [2, 2] after 2 features accepts the shape check's batch of two ([2, 2]) but no other batch: a
        // job with it used to be accepted and then fail at its first evaluation.
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        var layerNorm = new LayerSpec { Type = "LayerNorm", Args = new Dictionary<string, string>(StringComparer.Ordinal) { ["normalizedShape"] = "2,2" } };
        var spec = Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 2), layerNorm, LayerSpec.Linear(2, 3)) };

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(spec));

        Assert.Equal("model.layers[1]", error.Field);
        Assert.Contains("but gets [3, 2] (the output of layer 0; with a batch of 3, where a batch of 2 passed)", error.Message);
    }

    [Fact]
    public async Task Submit_RefusedThenCorrected_Runs()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp() with { Dataset = new DatasetSpec { Kind = "nope" } }));

        await job.SubmitAsync(Specs.Mlp());
        var status = await JobRunner.WaitAsync(job);

        Assert.Equal(JobState.Completed, status.State);
    }

    [Fact]
    public async Task Submit_Twice_IsRefused()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(Specs.Mlp());

        await Assert.ThrowsAsync<InvalidOperationException>(() => job.SubmitAsync(Specs.Mlp()));
        await JobRunner.WaitAsync(job);
    }

    [Fact]
    public async Task BadJobs_WhileAnotherRuns_LeaveItUntouched()
    {
        var spec = Specs.Mlp(workers: 2, batchSize: 6, epochs: 3);
        var expected = ReferenceTraining.Run(spec);
        var good = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await good.SubmitAsync(spec);

        foreach (var bad in new[]
        {
            spec with { BatchSize = -1 },
            spec with { Model = ModelSpec.Sequential(LayerSpec.Of("Transformer")) },
            spec with { Dataset = DatasetSpec.Generated(Specs.Blobs() with { SampleShape = [0] }) },
        })
        {
            var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
            await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(bad));
        }

        var status = await JobRunner.WaitAsync(good);
        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        var actual = (await good.DownloadStateDictAsync()).ToDictionary(e => e.Name, e => e.Values);
        foreach (var (name, values) in expected)
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(actual[name][i] - values[i]) <= 1e-6 + (1e-5 * Math.Abs(values[i])), $"{name}[{i}]");
    }
}
