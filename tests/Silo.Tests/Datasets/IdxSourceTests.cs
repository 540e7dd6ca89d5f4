using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Datasets;

public sealed class IdxSourceTests : IDisposable
{
    private readonly TempDataFolder _folder = new();
    private readonly DatasetProvider _provider = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_ByteImagesAndLabels_ScalesPixelsAndKeepsLabels(bool gzip)
    {
        string images = _folder.IdxBytes("images", [3, 2, 2], [0, 51, 255, 102, 1, 2, 3, 4, 5, 6, 7, 8], gzip);
        string labels = _folder.IdxBytes("labels", [3], [2, 0, 1], gzip);

        var data = _provider.Load(DatasetSpec.IdxFiles(images, labels), LossNames.CrossEntropy);

        Assert.Equal([3, 2, 2], data.Dataset.Tensors[0].Shape);
        Assert.Equal([2, 2], data.SampleShape);
        Assert.Equal([0f, 0.2f, 1f, 0.4f], data.Dataset.Tensors[0].ToArray()[..4]);
        Assert.Equal([2L, 0, 1], data.Dataset.Tensors[1].ToArray<long>());
        Assert.Equal(3, data.Classes);
        Assert.Equal(TargetKind.Labels, data.Targets);
    }

    [Fact]
    public void Load_FloatTargets_AreRegressionValues()
    {
        string inputs = _folder.IdxFloats("x", [2, 3], [1, 2, 3, 4, 5, 6]);
        string targets = _folder.IdxFloats("y", [2, 2], [0.5f, -1, 2, 3]);

        var data = _provider.Load(DatasetSpec.IdxFiles(inputs, targets), LossNames.Mse);

        Assert.Equal(TargetKind.Values, data.Targets);
        Assert.Equal([2], data.TargetShape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], data.Dataset.Tensors[0].ToArray());
        Assert.Equal([0.5f, -1, 2, 3], data.Dataset.Tensors[1].ToArray());
    }

    [Fact]
    public void LoadTest_TestFiles_GiveTheTestSplitWithTheTrainingClassCount()
    {
        var spec = DatasetSpec.IdxFiles(
            _folder.IdxBytes("train-x", [4, 2], new byte[8]),
            _folder.IdxBytes("train-y", [4], [0, 1, 2, 3]),
            _folder.IdxBytes("test-x", [2, 2], [10, 20, 30, 40], gzip: true),
            _folder.IdxBytes("test-y", [2], [3, 1], gzip: true)) with { TestLimit = 1 };

        var test = _provider.LoadTest(spec, LossNames.BceWithLogits);

        Assert.NotNull(test);
        Assert.Equal(1, test.Count);
        Assert.Equal(4, test.Classes);
        Assert.Equal(TargetKind.OneHot, test.Targets);
        Assert.Equal([0f, 0, 0, 1], test.Dataset.Tensors[1].ToArray());
        Assert.Null(_provider.LoadTest(spec with { TestPath = null, TestLabelsPath = null }, LossNames.BceWithLogits));
    }

    [Fact]
    public void Load_SameFilesTwice_ReadsThemOncePerSilo()
    {
        var spec = DatasetSpec.IdxFiles(_folder.IdxBytes("x", [2, 2], [1, 2, 3, 4]), _folder.IdxBytes("y", [2], [0, 1]));

        var a = _provider.Load(spec, LossNames.CrossEntropy);
        var b = _provider.Load(spec with { Limit = 0 }, LossNames.CrossEntropy);

        Assert.Same(a.Dataset.Tensors[0], b.Dataset.Tensors[0]);
    }

    [Fact]
    public void Load_FileRewritten_IsReadAgain()
    {
        string x = _folder.IdxBytes("x", [2, 1], [1, 2]);
        var spec = DatasetSpec.IdxFiles(x, _folder.IdxBytes("y", [2], [0, 1]));
        var before = _provider.Load(spec, LossNames.CrossEntropy).Dataset.Tensors[0].ToArray();

        _folder.IdxBytes("x", [2, 1], [255, 255]);
        File.SetLastWriteTimeUtc(x, DateTime.UtcNow.AddMinutes(1));
        var after = _provider.Load(spec, LossNames.CrossEntropy).Dataset.Tensors[0].ToArray();

        Assert.Equal([1 / 255f, 2 / 255f], before);
        Assert.Equal([1f, 1f], after);
    }

    [Fact]
    public void Load_FileRewrittenManyTimes_KeepsAtMostFilesKeptVersions()
    {
        // Each version of a rewritten file is a dataset of its own; a long-lived silo must not keep them all.
        string x = _folder.IdxBytes("x", [2, 1], [1, 2]);
        var spec = DatasetSpec.IdxFiles(x, _folder.IdxBytes("y", [2], [0, 1]));
        var start = DateTime.UtcNow;
        float last = 0;
        for (int version = 0; version < DatasetProvider.FilesKept + 4; version++)
        {
            _folder.IdxBytes("x", [2, 1], [(byte)version, 0]);
            File.SetLastWriteTimeUtc(x, start.AddMinutes(version + 1));
            last = _provider.Load(spec, LossNames.CrossEntropy).Dataset.Tensors[0].ToArray()[0];
        }

        Assert.Equal(DatasetProvider.FilesKept, _provider.FilesHeld);
        Assert.Equal((DatasetProvider.FilesKept + 3) / 255f, last);
    }

    [Fact]
    public void Load_HostileHeader_IsRefusedNamingThePathWithoutAllocatingIt()
    {
        // Claims 2^31-1 x 2^31-1 bytes in a 12-byte file: the reader refuses the dims before reading any data.
        string x = _folder.Idx("x", 0x08, [int.MaxValue, int.MaxValue], [1, 2, 3, 4]);
        var spec = DatasetSpec.IdxFiles(x, _folder.IdxBytes("y", [1], [0]));

        var error = Assert.Throws<JobSpecException>(() => _provider.Load(spec, LossNames.CrossEntropy));

        Assert.Equal("dataset.path", error.Field);
        Assert.Contains("exceed the cap", error.Message);
    }

    [Fact]
    public void Load_TruncatedGzip_IsRefusedNamingThePath()
    {
        string good = _folder.IdxBytes("x", [64, 64], new byte[64 * 64], gzip: true);
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(good, bytes[..(bytes.Length / 2)]);
        var spec = DatasetSpec.IdxFiles(good, _folder.IdxBytes("y", [64], new byte[64]));

        var error = Assert.Throws<JobSpecException>(() => _provider.Load(spec, LossNames.CrossEntropy));

        Assert.Equal("dataset.path", error.Field);
        Assert.Contains(good, error.Message);
    }

    public static TheoryData<string, string> BadSpecs() => new()
    {
        { "relative path", "dataset.path" },
        { "missing inputs", "dataset.path" },
        { "missing labels file", "dataset.labelsPath" },
        { "count mismatch", "dataset.labelsPath" },
        { "2-d integer labels", "dataset.labelsPath" },
        { "label over classes", "dataset.labelsPath" },
        { "test labels without test inputs", "dataset.testPath" },
        { "test inputs without labels", "dataset.testLabelsPath" },
        { "test sample shape differs", "dataset.testPath" },
        { "test label outside the training classes", "dataset.testLabelsPath" },
        { "classes on float targets", "dataset.classes" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void LoadAndLoadTest_BadSpec_IsRefusedNamingTheField(string why, string field)
    {
        string x = _folder.IdxBytes("x", [2, 2], [1, 2, 3, 4]);
        string y = _folder.IdxBytes("y", [2], [0, 1]);
        var good = DatasetSpec.IdxFiles(x, y);
        var spec = why switch
        {
            "relative path" => good with { Path = "data/x" },
            "missing inputs" => good with { Path = System.IO.Path.Combine(_folder.Path, "none") },
            "missing labels file" => good with { LabelsPath = null },
            "count mismatch" => good with { LabelsPath = _folder.IdxBytes("y3", [3], [0, 1, 0]) },
            "2-d integer labels" => good with { LabelsPath = _folder.IdxBytes("y2d", [2, 1], [0, 1]) },
            "label over classes" => good with { Classes = 1 },
            "test labels without test inputs" => good with { TestLabelsPath = y },
            "test inputs without labels" => good with { TestPath = x },
            "test sample shape differs" => good with { TestPath = _folder.IdxBytes("tx", [1, 3], [1, 2, 3]), TestLabelsPath = _folder.IdxBytes("ty", [1], [0]) },
            "test label outside the training classes" => good with { TestPath = x, TestLabelsPath = _folder.IdxBytes("ty", [2], [0, 2]) },
            "classes on float targets" => good with { LabelsPath = _folder.IdxFloats("yf", [2], [0.5f, 1]), Classes = 3 },
            _ => throw new ArgumentOutOfRangeException(nameof(why)),
        };

        var error = Assert.Throws<JobSpecException>(() =>
        {
            _provider.Load(spec, LossNames.Mse);
            _provider.LoadTest(spec, LossNames.Mse);
        });

        Assert.True(error.Field == field, $"{why}: expected {field}, got {error.Field} ({error.Message})");
    }
}
