using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Silo.Tests.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

/// <summary>The test cluster registers <see cref="ResidualMlp"/> on every silo (see <see cref="ClusterFixture"/>).</summary>
public sealed class ModelServiceCollectionExtensionsTests(ClusterFixture cluster)
{
    [Fact]
    public async Task AddAutogradModel_JobNamingTheModel_TrainsOnEverySilo()
    {
        var spec = Specs.Mlp(workers: ClusterFixture.Silos, batchSize: 12, epochs: 3) with
        {
            Model = ModelSpec.Sequential(LayerSpec.Of(ResidualMlp.TypeName, ("features", 6), ("classes", 3))),
        };

        var status = await JobRunner.RunAsync(cluster.Grains, spec);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(ClusterFixture.Silos, status.Workers.Select(w => w.Silo).Distinct().Count());
        Assert.True(status.EpochHistory[^1].MeanLoss < status.EpochHistory[0].MeanLoss, $"loss {status.EpochHistory[0].MeanLoss} -> {status.EpochHistory[^1].MeanLoss}");
    }

    [Fact]
    public async Task Submit_UnknownModel_NamesTheLayerAndTheRegisteredModels()
    {
        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());

        var error = await Assert.ThrowsAsync<JobSpecException>(() => job.SubmitAsync(Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Of("resnet-tiny")) }));

        Assert.Equal("model.layers[0].type", error.Field);
        Assert.Contains($"registered models: {ResidualMlp.TypeName}", error.Message);
    }
}
