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

    [Fact]
    public void LoadTest_Blobs_SameCentresOtherSamples()
    {
        var blobs = Specs.Blobs() with { Noise = 0, TestSamples = 30 };
        var train = _provider.Load(DatasetSpec.Generated(blobs), LossNames.CrossEntropy);
        var test = _provider.LoadTest(DatasetSpec.Generated(blobs), LossNames.CrossEntropy);

        // Without noise every sample is its class centre: the test split has the training split's centres.
        Assert.NotNull(test);
        Assert.Equal(30, test.Count);
        Assert.Equal(train.Classes, test.Classes);
        var centres = Rows(train).Zip(train.Dataset.Tensors[1].ToArray<long>()).ToLookup(r => r.Second, r => string.Join(",", r.First));
        foreach (var (row, label) in Rows(test).Zip(test.Dataset.Tensors[1].ToArray<long>()))
            Assert.Contains(string.Join(",", row), centres[label]);

        // With noise, no test sample repeats a training sample.
        var noisy = blobs with { Noise = 0.5 };
        var trainRows = Rows(_provider.Load(DatasetSpec.Generated(noisy), LossNames.CrossEntropy)).Select(r => string.Join(",", r)).ToHashSet();
        Assert.DoesNotContain(Rows(_provider.LoadTest(DatasetSpec.Generated(noisy), LossNames.CrossEntropy)!), r => trainRows.Contains(string.Join(",", r)));
    }

    [Fact]
    public void LoadTest_SyntheticWithoutTestSamples_IsNull() =>
        Assert.Null(_provider.LoadTest(DatasetSpec.Generated(Specs.Blobs()), LossNames.CrossEntropy));

    [Fact]
    public void LoadTest_TestLimit_TakesTheFirstTestSamples()
    {
        var spec = DatasetSpec.Generated(Specs.Blobs() with { TestSamples = 40 });
        var all = _provider.LoadTest(spec, LossNames.CrossEntropy)!;

        var some = _provider.LoadTest(spec with { TestLimit = 7 }, LossNames.CrossEntropy)!;

        Assert.Equal(7, some.Count);
        Assert.Equal(all.Dataset.Tensors[0].ToArray()[..(7 * 6)], some.Dataset.Tensors[0].ToArray());
    }

    [Fact]
    public void LoadTest_LinearTeacher_KeepsTheTargetShape()
    {
        var spec = DatasetSpec.Generated(new SyntheticDataSpec { Generator = SyntheticDataSpec.Linear, Samples = 20, SampleShape = [3], Outputs = 2, TestSamples = 5 });

        var test = _provider.LoadTest(spec, LossNames.Mse)!;

        Assert.Equal([5, 2], test.Dataset.Tensors[1].Shape);
        Assert.Equal(TargetKind.Values, test.Targets);
    }

    [Fact]
    public void LoadTest_FashionMnist_IsT10k()
    {
        if (!Autograd.Data.FashionMnistFiles.IsAvailable()) Assert.Skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");

        var test = _provider.LoadTest(DatasetSpec.FashionMnistTrain() with { TestLimit = 100 }, LossNames.CrossEntropy)!;
        var full = _provider.LoadTest(DatasetSpec.FashionMnistTrain(), LossNames.CrossEntropy)!;

        Assert.Equal(100, test.Count);
        Assert.Equal(10_000, full.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        Assert.Equal(Autograd.Data.FashionMnistFiles.LoadTest().Labels[..100], test.Dataset.Tensors[1].ToArray<long>());
    }

    [Fact]
    public void LoadTest_InlineTestSplit_UsesTheTrainingClassCount()
    {
        var spec = new InMemoryDataSpec
        {
            SampleShape = [1],
            Inputs = FloatBlock.From([1, 2, 3]),
            Labels = [0, 3, 1],
            TestInputs = FloatBlock.From([4, 5]),
            TestLabels = [3, 2],
        };

        var test = _provider.LoadTest(DatasetSpec.Uploaded(spec), LossNames.BceWithLogits)!;

        Assert.Equal(4, test.Classes);
        Assert.Equal([0f, 0, 0, 1, 0, 0, 1, 0], test.Dataset.Tensors[1].ToArray());
        Assert.Null(_provider.LoadTest(DatasetSpec.Uploaded(spec with { TestInputs = null, TestLabels = null }), LossNames.BceWithLogits));
    }

    public static TheoryData<InMemoryDataSpec, string> BadTestSplits() => new()
    {
        { new InMemoryDataSpec { SampleShape = [1], Inputs = FloatBlock.From([1, 2]), Labels = [0, 1], TestInputs = FloatBlock.From([1]), TestLabels = [2] }, "dataset.inMemoryData.testLabels" },
        { new InMemoryDataSpec { SampleShape = [1], Inputs = FloatBlock.From([1, 2]), Labels = [0, 1], TestInputs = FloatBlock.From([1]) }, "dataset.inMemoryData.testLabels" },
        { new InMemoryDataSpec { SampleShape = [2], Inputs = FloatBlock.From([1, 2]), Labels = [0], TestInputs = FloatBlock.From([1]), TestLabels = [0] }, "dataset.inMemoryData.testInputs" },
        { new InMemoryDataSpec { SampleShape = [1], Inputs = FloatBlock.From([1]), Labels = [0], TestLabels = [0] }, "dataset.inMemoryData.testInputs" },
        { new InMemoryDataSpec { SampleShape = [1], Inputs = FloatBlock.From([1]), Targets = FloatBlock.From([1]), TargetShape = [1], TestInputs = FloatBlock.From([1]), TestTargets = FloatBlock.From([1, 2]) }, "dataset.inMemoryData.testTargets" },
    };

    [Theory]
    [MemberData(nameof(BadTestSplits))]
    public void LoadTest_BadInlineTestSplit_IsRefusedNamingTheField(InMemoryDataSpec spec, string field)
    {
        var error = Assert.Throws<JobSpecException>(() => _provider.LoadTest(DatasetSpec.Uploaded(spec), LossNames.Mse));

        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData(-1, 0, "dataset.limit")]
    [InlineData(0, -1, "dataset.testLimit")]
    public void Load_NegativeLimit_IsRefusedNamingTheField(int limit, int testLimit, string field)
    {
        var error = Assert.Throws<JobSpecException>(() => _provider.Load(DatasetSpec.Generated(Specs.Blobs()) with { Limit = limit, TestLimit = testLimit }, LossNames.CrossEntropy));

        Assert.Equal(field, error.Field);
    }

    private static IEnumerable<float[]> Rows(TrainingData data) => data.Dataset.Tensors[0].ToArray().Chunk(data.SampleShape.Aggregate(1, (a, d) => a * d));

    [Fact]
    public void Load_HugeLabelWithAOneHotLoss_IsRefusedBeforeAllocating()
    {
        var spec = new InMemoryDataSpec { SampleShape = [1], Inputs = FloatBlock.From([1, 2]), Labels = [0, 2_000_000_000] };

        var error = Assert.Throws<JobSpecException>(() => _provider.Load(DatasetSpec.Uploaded(spec), LossNames.BceWithLogits));

        Assert.Equal("loss", error.Field);
        Assert.Contains("2000000001 classes", error.Message);
    }
}
