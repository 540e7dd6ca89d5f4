using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class JobPlannerTests
{
    private readonly DatasetProvider _datasets = new();

    [Fact]
    public void Plan_ValidSpec_HasTheSeededParametersAndLayout()
    {
        var spec = Specs.Mlp(workers: 2);

        var plan = JobPlanner.Plan(spec, _datasets);

        var model = ModelFactory.BuildSeeded(spec.Model, spec.Seed, new Generator(0));
        Assert.Equal(FlatParameters.Values(model), plan.InitialParameters);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], plan.Layout.Entries.Select(e => e.Name));
        Assert.Equal((6 * 8) + 8 + (8 * 3) + 3, plan.ParameterCount);
        Assert.Equal(2, plan.Shards.Length);
        Assert.Equal(5, plan.StepsPerEpoch);
        Assert.True(plan.HasAccuracy);
    }

    [Fact]
    public void Plan_SameSeed_SameParameters_OtherSeed_Others()
    {
        var a = JobPlanner.Plan(Specs.Mlp(), _datasets).InitialParameters;
        var b = JobPlanner.Plan(Specs.Mlp(), _datasets).InitialParameters;
        var c = JobPlanner.Plan(Specs.Mlp() with { Seed = 4 }, _datasets).InitialParameters;

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    public static TheoryData<string, JobSpec, string> BadSpecs() => new()
    {
        { "non-positive lr", Specs.Mlp() with { Optimizer = OptimizerSpec.SgdWith(-0.1) }, "optimizer.lr" },
        { "zero lr", Specs.Mlp() with { Optimizer = OptimizerSpec.AdamWith(0) }, "optimizer.lr" },
        { "unknown optimizer", Specs.Mlp() with { Optimizer = new OptimizerSpec { Kind = "lbfgs" } }, "optimizer.kind" },
        { "beta out of range", Specs.Mlp() with { Optimizer = new OptimizerSpec { Kind = OptimizerSpec.Adam, Beta1 = 1 } }, "optimizer.beta1" },
        { "zero batch", Specs.Mlp(batchSize: 0), "batchSize" },
        { "negative epochs", Specs.Mlp(epochs: -1), "epochs" },
        { "zero workers", Specs.Mlp(workers: 0), "workers" },
        { "more workers than batch", Specs.Mlp(workers: 5, batchSize: 4), "workers" },
        { "zero step timeout", Specs.Mlp() with { StepTimeout = TimeSpan.Zero }, "stepTimeout" },
        { "unknown loss", Specs.Mlp() with { Loss = "hinge" }, "loss" },
        { "unknown dataset", Specs.Mlp() with { Dataset = new DatasetSpec { Kind = "imagenet" } }, "dataset.kind" },
        { "unknown generator", Specs.Mlp() with { Dataset = DatasetSpec.Generated(Specs.Blobs() with { Generator = "spiral" }) }, "dataset.syntheticData.generator" },
        { "no samples", Specs.Mlp() with { Dataset = DatasetSpec.Generated(Specs.Blobs() with { Samples = 0 }) }, "dataset.syntheticData.samples" },
        { "missing synthetic data", Specs.Mlp() with { Dataset = new DatasetSpec { Kind = DatasetSpec.Synthetic } }, "dataset.syntheticData" },
        { "unknown layer", Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 3), LayerSpec.Of("Conv3d")) }, "model.layers[1].type" },
        { "unknown argument", Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Of("Linear", ("inFeatures", 6), ("outFeatures", 3), ("units", 3))) }, "model.layers[0].units" },
        { "missing argument", Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Of("Linear", ("inFeatures", 6))) }, "model.layers[0].outFeatures" },
        { "non-positive size", Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 0)) }, "model.layers[0].outFeatures" },
        { "no layers", Specs.Mlp() with { Model = ModelSpec.Sequential() }, "model.layers" },
        { "regression data with cross-entropy", Specs.Mlp() with { Dataset = DatasetSpec.Generated(new SyntheticDataSpec { Generator = SyntheticDataSpec.Linear, SampleShape = [6], Outputs = 3 }) }, "loss" },
        { "wrong class count", Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 8), LayerSpec.Tanh(), LayerSpec.Linear(8, 5)) }, "model.layers[2]" },
        { "unknown schedule", Specs.Mlp() with { LrSchedule = new LrScheduleSpec { Kind = "warmup" } }, "lrSchedule.kind" },
        { "layer over the weight limit", Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 100_000), LayerSpec.Linear(100_000, 100_000)) }, "model.layers[1].outFeatures" },
        { "activation over the limit", Specs.Cnn() with { Model = ModelSpec.Sequential(LayerSpec.Conv2d(1, 1_000_000, 3), LayerSpec.Flatten(), LayerSpec.Linear(36, 3)) }, "model.layers[0]" },
        { "unknown schedule interval", Specs.Mlp() with { LrSchedule = new LrScheduleSpec { Interval = "batch" } }, "lrSchedule.interval" },
        { "negative test limit", Specs.Mlp() with { Dataset = DatasetSpec.Generated(Specs.Blobs()) with { TestLimit = -1 } }, "dataset.testLimit" },
        { "bad test split", Specs.Mlp() with { Dataset = DatasetSpec.Generated(Specs.Blobs() with { TestSamples = -5 }) }, "dataset.syntheticData.testSamples" },
        { "idx without a path", Specs.Mlp() with { Dataset = new DatasetSpec { Kind = DatasetSpec.Idx } }, "dataset.path" },
        { "csv without options", Specs.Mlp() with { Dataset = new DatasetSpec { Kind = DatasetSpec.Csv, Path = "/tmp/x.csv" } }, "dataset.csvData" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void Plan_BadSpec_IsRefusedNamingTheField(string why, JobSpec spec, string field)
    {
        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(spec, _datasets));

        Assert.True(error.Field == field, $"{why}: expected field {field}, got {error.Field} ({error.Message})");
        Assert.StartsWith(field + ": ", error.Message);
    }

    [Fact]
    public void Plan_ShapeMismatch_NamesTheLayerAndBothShapes()
    {
        var spec = Specs.Mlp() with
        {
            Model = ModelSpec.Sequential(LayerSpec.Linear(6, 64), LayerSpec.ReLU(), LayerSpec.Linear(100, 3)),
        };

        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(spec, _datasets));

        Assert.Equal("model.layers[2]", error.Field);
        Assert.Contains("Linear expects input [*, 100] but gets [2, 64]", error.Message);
        Assert.Contains("the output of layer 1", error.Message);
    }

    [Fact]
    public void Plan_ConvOnFlatSamples_NamesTheFirstLayer()
    {
        var spec = Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Conv2d(1, 4, 3), LayerSpec.Flatten(), LayerSpec.Linear(4, 3)) };

        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(spec, _datasets));

        Assert.Equal("model.layers[0]", error.Field);
        Assert.Contains("expects input [N, 1, H, W]", error.Message);
        Assert.Contains("gets [2, 6] (a batch of the dataset)", error.Message);
    }

    [Fact]
    public void Plan_CnnSpec_Accepted()
    {
        var plan = JobPlanner.Plan(Specs.Cnn(), _datasets);

        Assert.Equal(["0.weight", "0.bias", "4.weight", "4.bias"], plan.Layout.Entries.Select(e => e.Name));
    }

    [Fact]
    public void Plan_BatchNorm_PutsItsBuffersAfterTheParameters()
    {
        var spec = Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 8), LayerSpec.BatchNorm1d(8), LayerSpec.ReLU(), LayerSpec.Linear(8, 3)) };

        var plan = JobPlanner.Plan(spec, _datasets);

        Assert.Equal(
            ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"],
            plan.Layout.Entries.Select(e => e.Name));
        Assert.Equal(plan.ParameterCount + 8 + 8 + 1, plan.Layout.TotalElements);
        Assert.Equal("int64", plan.Layout.Entries[^1].DType);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(2, 6)]
    public void Plan_WorkersWithinTheSlots_IsAccepted(int workers, int slots) =>
        Assert.Equal(workers, JobPlanner.Plan(Specs.Mlp(workers: workers), _datasets, slots: slots).Spec.Workers);

    [Fact]
    public void Plan_MoreWorkersThanSlots_IsRefusedNamingWorkers()
    {
        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(Specs.Mlp(workers: 4), _datasets, slots: 3));

        Assert.Equal("workers", error.Field);
        Assert.Contains("4 workers need 4 slots, but the cluster has 3", error.Message);
    }
}
