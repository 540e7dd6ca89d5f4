using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hostile;

/// <summary>
/// The specs <see cref="JobSpecPropertyTests"/> found mishandled, each reduced to its cause and planned directly: before
/// the fixes they were refused over several lines, accepted and then failed, or failed with an internal exception
/// (OutOfMemory, Overflow, ArgumentOutOfRange) instead of a one-line refusal naming the field.
/// </summary>
public sealed class FoundSpecRegressionTests
{
    private const long AllocationCeiling = 64L << 20;

    private readonly DatasetProvider _datasets = new();

    public static TheoryData<string, JobSpec, string, string> Refused() => new()
    {
        {
            "Dropout p out of range (its ArgumentOutOfRangeException spans two lines)",
            Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Dropout(-0.5), LayerSpec.Linear(6, 3)) },
            "model.layers[0]",
            "Dropout: dropout probability has to be between 0 and 1, but got -0.5 (Parameter 'p') Actual value was -0.5."
        },
        {
            "step timeout of TimeSpan.MaxValue (accepted, then the coordinator's timer threw)",
            Specs.Mlp() with { StepTimeout = TimeSpan.MaxValue },
            "stepTimeout",
            "must be at most 1.00:00:00"
        },
        {
            "2^31 - 1 blob classes (their centres overflowed an int: OutOfMemory or Overflow)",
            Specs.Mlp() with { Dataset = DatasetSpec.Generated(Specs.Blobs() with { Classes = int.MaxValue }) },
            "dataset.syntheticData.classes",
            "2147483647 class centres of 6 values exceed the 67108864 values"
        },
        {
            "2^31 - 1 linear outputs",
            Specs.Mlp() with { Loss = LossNames.Mse, Dataset = DatasetSpec.Generated(Specs.Blobs() with { Generator = SyntheticDataSpec.Linear, Outputs = int.MaxValue }) },
            "dataset.syntheticData.outputs",
            "2147483647 outputs of 6 features over 60 samples exceed"
        },
        {
            "BatchNorm1d over a worker's single sample (accepted, then step 1 failed)",
            Specs.Mlp(batchSize: 4) with
            {
                Dataset = DatasetSpec.Generated(Specs.Blobs(samples: 13)),
                Model = ModelSpec.Sequential(LayerSpec.Linear(6, 4), LayerSpec.BatchNorm1d(4), LayerSpec.ReLU(), LayerSpec.Linear(4, 3)),
            },
            "batchSize",
            "a global batch of 4 (the epoch's last: 1) over 1 worker(s) leaves a worker a single sample, which model.layers[1] (BatchNorm1d) cannot train on"
        },
        {
            "BatchNorm1d with 2^31 - 1 features (four tensors of 8 GiB)",
            Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 3), LayerSpec.BatchNorm1d(int.MaxValue)) },
            "model.layers[1].numFeatures",
            "the layer would have 4294967294 weights, more than the 268435456 one layer may have"
        },
        {
            "LayerNorm over 10^10 values",
            Specs.Mlp() with { Model = ModelSpec.Sequential(LayerSpec.Of("LayerNorm", ("normalizedShape", "100000,100000")), LayerSpec.Linear(6, 3)) },
            "model.layers[0].normalizedShape",
            "more than the 268435456 one layer may have"
        },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Plan_FoundSpec_IsRefusedInOneLineNamingTheFieldWithoutAllocatingIt(string why, JobSpec spec, string field, string problem)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(spec, _datasets));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(field, error.Field);
        Assert.True(error.Message.Contains(problem, StringComparison.Ordinal), $"{why}: {error.Message}");
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(allocated < AllocationCeiling, $"{why}: allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(12, 1, 4)] // 60 samples: batches of 12, no single-sample slice
    [InlineData(13, 1, 2)] // 2 + 2 + ... + 1: the last batch is one sample, but dropLast drops it
    [InlineData(60, 2, 1)] // a single sample per worker, but BatchNorm2d normalises over 2x2 positions too
    public void Plan_BatchNormWhoseSlicesHoldMoreThanOneValuePerChannel_IsAccepted(int samples, int workers, int batchSize)
    {
        bool image = workers == 2;
        var spec = Specs.Mlp(workers: workers, batchSize: image ? batchSize * 2 : batchSize) with
        {
            DropLast = samples == 13,
            Dataset = DatasetSpec.Generated(Specs.Blobs(samples: samples) with { SampleShape = image ? [1, 4, 4] : [6] }),
            Model = image
                ? ModelSpec.Sequential(LayerSpec.Conv2d(1, 2, 3), LayerSpec.BatchNorm2d(2), LayerSpec.Flatten(), LayerSpec.Linear(8, 3))
                : ModelSpec.Sequential(LayerSpec.Linear(6, 4), LayerSpec.BatchNorm1d(4), LayerSpec.ReLU(), LayerSpec.Linear(4, 3)),
        };

        var plan = JobPlanner.Plan(spec, _datasets);

        Assert.True(plan.ParameterCount > 0);
        // The training-mode pass ran after the initial values were taken: they are the seeded model's own.
        var model = ModelFactory.BuildSeeded(spec.Model, spec.Seed, new Generator(0));
        Assert.Equal(FlatParameters.Values(model), plan.InitialParameters);
    }

    [Fact]
    public void Plan_ModelOverTheConfiguredParameterLimit_IsRefusedNamingModelAndTheKey()
    {
        var limits = new TrainingLimits { MaxParametersPerJob = 80 };

        var error = Assert.Throws<JobSpecException>(() => JobPlanner.Plan(Specs.Mlp(), _datasets, limits: limits));

        Assert.Equal("model", error.Field);
        Assert.Equal($"model: the model reaches 83 parameters at layer 2, more than the 80 a job may train ({TrainingLimits.MaxParametersPerJobKey})", error.Message);
        Assert.Equal(83, JobPlanner.Plan(Specs.Mlp(), _datasets, limits: limits with { MaxParametersPerJob = 83 }).ParameterCount);
    }
}
