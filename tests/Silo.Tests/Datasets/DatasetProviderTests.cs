using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Datasets;

public sealed class DatasetProviderTests
{
    private readonly DatasetProvider _provider = new();

    [Fact]
    public void Load_Blobs_SameSeedSameSamples()
    {
        var a = _provider.Load(DatasetSpec.Generated(Specs.Blobs()), LossNames.CrossEntropy);
        var b = _provider.Load(DatasetSpec.Generated(Specs.Blobs()), LossNames.CrossEntropy);
        var c = _provider.Load(DatasetSpec.Generated(Specs.Blobs(seed: 12)), LossNames.CrossEntropy);

        Assert.Equal(a.Dataset.Tensors[0].ToArray(), b.Dataset.Tensors[0].ToArray());
        Assert.Equal(a.Dataset.Tensors[1].ToArray<long>(), b.Dataset.Tensors[1].ToArray<long>());
        Assert.NotEqual(a.Dataset.Tensors[0].ToArray(), c.Dataset.Tensors[0].ToArray());
        Assert.Equal([60, 6], a.Dataset.Tensors[0].Shape);
        Assert.Equal(TargetKind.Labels, a.Targets);
        Assert.Equal(3, a.Classes);
        Assert.All(a.Dataset.Tensors[1].ToArray<long>(), l => Assert.InRange(l, 0, 2));
    }

    [Fact]
    public void Load_BlobsForBce_GivesOneHotTargets()
    {
        var data = _provider.Load(DatasetSpec.Generated(Specs.Blobs()), LossNames.BceWithLogits);
        var labels = _provider.Load(DatasetSpec.Generated(Specs.Blobs()), LossNames.CrossEntropy).Dataset.Tensors[1].ToArray<long>();

        Assert.Equal(TargetKind.OneHot, data.Targets);
        Assert.Equal([60, 3], data.Dataset.Tensors[1].Shape);
        var oneHot = data.Dataset.Tensors[1].ToArray();
        for (int i = 0; i < labels.Length; i++)
            for (int k = 0; k < 3; k++) Assert.Equal(k == labels[i] ? 1f : 0f, oneHot[(i * 3) + k]);
    }

    [Fact]
    public void Load_LinearTeacher_TargetsFollowTheTeacherUpToNoise()
    {
        var spec = new SyntheticDataSpec { Generator = SyntheticDataSpec.Linear, Samples = 200, SampleShape = [4], Outputs = 2, Noise = 0, Seed = 1 };
        var data = _provider.Load(DatasetSpec.Generated(spec), LossNames.Mse);

        // Noise-free: the dataset holds exactly the generator's inputs and teacher outputs.
        var x = data.Dataset.Tensors[0];
        var y = data.Dataset.Tensors[1];
        Assert.Equal([200, 2], y.Shape);
        Assert.Equal(TargetKind.Values, data.Targets);
        Assert.Equal(0, data.Classes);
        var (inputs, targets) = SyntheticDatasets.Linear(200, 4, 2, 0, 1);
        Assert.Equal(inputs, x.ToArray());
        Assert.Equal(targets, y.ToArray());
    }

    [Fact]
    public void Load_InMemoryLabels_MakesATensorDataset()
    {
        var spec = new InMemoryDataSpec { SampleShape = [2], Inputs = FloatBlock.From([1, 2, 3, 4, 5, 6]), Labels = [0, 2, 1] };

        var data = _provider.Load(DatasetSpec.Uploaded(spec), LossNames.CrossEntropy);

        Assert.Equal(3, data.Count);
        Assert.Equal(3, data.Classes);
        Assert.Equal([3, 2], data.Dataset.Tensors[0].Shape);
        Assert.Equal([0L, 2, 1], data.Dataset.Tensors[1].ToArray<long>());
    }

    public static TheoryData<InMemoryDataSpec, string> BadUploads() => new()
    {
        { new InMemoryDataSpec { SampleShape = [4], Inputs = FloatBlock.From([1, 2, 3, 4, 5, 6]), Labels = [0] }, "dataset.inMemoryData.inputs" },
        { new InMemoryDataSpec { SampleShape = [2], Inputs = FloatBlock.From([1, 2, 3, 4]), Labels = [0] }, "dataset.inMemoryData.labels" },
        { new InMemoryDataSpec { SampleShape = [2], Inputs = FloatBlock.From([1, 2, 3, 4]), Labels = [0, 5], Classes = 3 }, "dataset.inMemoryData.labels" },
        { new InMemoryDataSpec { SampleShape = [2], Inputs = FloatBlock.From([1, 2, 3, 4]) }, "dataset.inMemoryData.labels" },
        { new InMemoryDataSpec { SampleShape = [2], Inputs = FloatBlock.From([1, 2, 3, 4]), Targets = FloatBlock.From([1, 2, 3]), TargetShape = [1] }, "dataset.inMemoryData.targets" },
        { new InMemoryDataSpec { SampleShape = [], Inputs = FloatBlock.From([1, 2]), Labels = [0] }, "dataset.inMemoryData.sampleShape" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public void Load_BadUpload_IsRefusedNamingTheField(InMemoryDataSpec spec, string field)
    {
        var error = Assert.Throws<JobSpecException>(() => _provider.Load(DatasetSpec.Uploaded(spec), LossNames.Mse));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Load_FashionMnistFromAMissingFolder_NamesTheDirectory()
    {
        var error = Assert.Throws<JobSpecException>(() => _provider.Load(DatasetSpec.FashionMnistTrain(directory: "/nonexistent/fmnist"), LossNames.CrossEntropy));

        Assert.Equal("dataset.directory", error.Field);
        Assert.Contains("/nonexistent/fmnist", error.Message);
    }
}
