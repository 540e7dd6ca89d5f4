using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Silo.Training;
using Autograd.NN;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class ModelRegistryTests
{
    private readonly DatasetProvider _datasets = new();
    private readonly ModelRegistry _models = new(
    [
        new ModelRegistration(ResidualMlp.TypeName, ResidualMlp.Create, ResidualMlp.Arguments),
        new ModelRegistration("broken", (_, _) => throw new NotSupportedException("no such hardware"), []),
    ]);

    private static JobSpec Residual(params (string Name, object Value)[] args) => Specs.Mlp() with
    {
        Model = ModelSpec.Sequential(LayerSpec.Of(ResidualMlp.TypeName, args)),
    };

    [Fact]
    public void Plan_RegisteredModel_IsBuiltSeededWithItsParameterNames()
    {
        var spec = Residual(("features", 6), ("classes", 3));

        var plan = JobPlanner.Plan(spec, _datasets, _models);

        Assert.Equal(["0.inner.weight", "0.inner.bias", "0.head.weight", "0.head.bias"], plan.Layout.Entries.Select(e => e.Name));
        Sequential local;
        lock (SeededConstruction.Gate)
        {
            Tensor.ManualSeed(spec.Seed);
            local = new Sequential(new ResidualMlp(6, 3));
        }

        Assert.Equal(FlatParameters.Values(local), plan.InitialParameters);
    }

    [Fact]
    public void Plan_UnknownType_ListsTheBuiltInLayersAndTheRegisteredModels()
    {
        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Of("resnet-huge")) }, _datasets, _models));

        Assert.Equal("model.layers[0].type", error.Field);
        Assert.Contains("known layers: Linear", error.Message);
        Assert.Contains("registered models: broken, residual-mlp", error.Message);
    }

    [Fact]
    public void Plan_RegisteredNameWithoutTheRegistry_IsUnknown()
    {
        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(Residual(("features", 6), ("classes", 3)), _datasets));

        Assert.Equal("model.layers[0].type", error.Field);
        Assert.Contains("no models are registered", error.Message);
    }

    public static TheoryData<string, JobSpec, string, string> BadSpecs() => new()
    {
        { "missing argument", Residual(("features", 6)), "model.layers[0].classes", "needs the argument 'classes'" },
        { "unknown argument", Residual(("features", 6), ("classes", 3), ("width", 9)), "model.layers[0].width", "it takes features, classes" },
        { "bad value", Residual(("features", "six"), ("classes", 3)), "model.layers[0].features", "'six' is not an integer" },
        { "shape mismatch", Residual(("features", 5), ("classes", 3)), "model.layers[0]", "gets [2, 6] (a batch of the dataset)" },
        { "wrong outputs", Residual(("features", 6), ("classes", 4)), "model.layers[0]", "output for a batch of 2 is [2, 4]" },
        { "factory throws", Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Of("broken")) }, "model.layers[0]", "NotSupportedException: no such hardware" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void Plan_BadRegisteredModelSpec_IsRefusedNamingTheField(string why, JobSpec spec, string field, string message)
    {
        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(spec, _datasets, _models));

        Assert.True(error.Field == field, $"{why}: expected {field}, got {error.Field} ({error.Message})");
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("residual-MLP")]
    public void Registry_BuiltInOrDuplicateName_StopsTheSilo(string name)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ModelRegistry(
        [
            new ModelRegistration(ResidualMlp.TypeName, ResidualMlp.Create, ResidualMlp.Arguments),
            new ModelRegistration(name, ResidualMlp.Create, ResidualMlp.Arguments),
        ]));

        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void AddAutogradModel_RegistersTheModelInTheSilosRegistry()
    {
        var services = new ServiceCollection()
            .AddAutogradModel(ResidualMlp.TypeName, ResidualMlp.Create, ResidualMlp.Arguments)
            .AddAutogradModel("tiny", (a, _) => new Linear(a.PositiveInt("in"), 1), "in");

        var registry = services.BuildServiceProvider().GetRequiredService<ModelRegistry>();

        Assert.Equal([ResidualMlp.TypeName, "tiny"], registry.Names);
    }
}
