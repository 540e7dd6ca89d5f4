using Autograd.Data;
using Xunit;

namespace Autograd.Tests.Data;

public sealed class FashionMnistFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fmnist-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes a tiny split into the temp folder: images gzipped or not, labels the other way.</summary>
    private void WriteSplit(string prefix, int[] imageDims, byte[] labels, bool gzipImages = false)
    {
        var pixels = new byte[imageDims.Aggregate(1, (n, d) => n * d)];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)(i * 7);
        byte[] images = IdxReaderTests.Idx(0x08, imageDims, pixels);
        byte[] labelFile = IdxReaderTests.Idx(0x08, [labels.Length], labels);
        File.WriteAllBytes(Path.Combine(_dir, $"{prefix}-images-idx3-ubyte{(gzipImages ? ".gz" : "")}"),
            gzipImages ? IdxReaderTests.Gzip(images) : images);
        File.WriteAllBytes(Path.Combine(_dir, $"{prefix}-labels-idx1-ubyte{(gzipImages ? "" : ".gz")}"),
            gzipImages ? labelFile : IdxReaderTests.Gzip(labelFile));
    }

    [Fact]
    public void Load_MissingFolder_ThrowsDirectoryNotFoundNamingFolderAndRemedies()
    {
        string missing = Path.Combine(_dir, "does-not-exist");

        var ex = Assert.Throws<DirectoryNotFoundException>(() => FashionMnistFiles.LoadTrain(missing));

        Assert.Contains(missing, ex.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", ex.Message);
        Assert.Contains("AUTOGRAD_FASHION_MNIST_DIR", ex.Message);
        Assert.False(FashionMnistFiles.IsAvailable(missing));
    }

    [Fact]
    public void Load_EmptyFolder_ThrowsFileNotFoundNamingFolderFileAndRemedies()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => FashionMnistFiles.LoadTest(_dir));

        Assert.Contains(_dir, ex.Message);
        Assert.Contains("t10k-images-idx3-ubyte.gz", ex.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", ex.Message);
        Assert.Contains("AUTOGRAD_FASHION_MNIST_DIR", ex.Message);
        Assert.False(FashionMnistFiles.IsAvailable(_dir));
    }

    [Theory]
    [InlineData("/given", "/from-env", "/given")]
    [InlineData(null, "/from-env", "/from-env")]
    [InlineData("", "/from-env", "/from-env")]
    [InlineData(null, null, FashionMnistFiles.DefaultDirectory)]
    [InlineData(null, " ", FashionMnistFiles.DefaultDirectory)]
    public void ResolveDirectory_ArgumentThenEnvironmentThenDefault(string? given, string? environment, string expected) =>
        Assert.Equal(expected, FashionMnistFiles.ResolveDirectory(given, environment));

    [Fact]
    public void Load_SmallSplitGzippedOrNot_NormalisesPixelsAndKeepsLabels()
    {
        WriteSplit("train", [3, 28, 28], [9, 0, 5], gzipImages: false);
        WriteSplit("t10k", [2, 28, 28], [1, 2], gzipImages: true);

        var train = FashionMnistFiles.LoadTrain(_dir);
        var test = FashionMnistFiles.Load(FashionMnistSplit.Test, _dir);

        Assert.True(FashionMnistFiles.IsAvailable(_dir));
        Assert.Equal(3, train.Count);
        Assert.Equal([3, 1, 28, 28], train.ImageShape);
        Assert.Equal(3 * 28 * 28, train.Images.Length);
        Assert.Equal([9L, 0L, 5L], train.Labels);
        Assert.Equal(188 / 255f, train.Images[100]); // pixel 100 is (byte)(100 * 7)
        Assert.Equal([1L, 2L], test.Labels);
        Assert.Equal(2 * 28 * 28, test.Images.Length);
    }

    [Fact]
    public void Normalize_EveryByte_EqualsTorchFloat32DivisionBy255()
    {
        byte[] all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        float[] normalised = FashionMnistFiles.Normalize(all);

        // torch's float32 div_(255) was checked to give, for all 256 bytes, the double quotient
        // rounded to float; multiplying by 1/255f differs for 126 of them.
        for (int i = 0; i < 256; i++)
            Assert.Equal((float)(i / 255.0), normalised[i]);
        Assert.Equal(126, all.Count(b => b * (1f / 255f) != normalised[b]));
    }

    [Fact]
    public void Load_ImageAndLabelCountsDiffer_Throws()
    {
        WriteSplit("train", [3, 28, 28], [1, 2]);

        var ex = Assert.Throws<InvalidDataException>(() => FashionMnistFiles.LoadTrain(_dir));

        Assert.Contains("3 images", ex.Message);
        Assert.Contains("2 labels", ex.Message);
    }

    [Fact]
    public void Load_ImagesNot28By28_Throws()
    {
        WriteSplit("train", [2, 28, 27], [1, 2]);

        var ex = Assert.Throws<InvalidDataException>(() => FashionMnistFiles.LoadTrain(_dir));

        Assert.Contains("[2, 28, 27]", ex.Message);
    }

    [Fact]
    public void Load_LabelOutsideClasses_Throws()
    {
        WriteSplit("train", [2, 28, 28], [3, 10]);

        var ex = Assert.Throws<InvalidDataException>(() => FashionMnistFiles.LoadTrain(_dir));

        Assert.Contains("label 1 is 10", ex.Message);
    }

    [Fact]
    public void Load_DebianPackage_HasFullSplitsWithBalancedClasses()
    {
        Assert.SkipUnless(FashionMnistFiles.IsAvailable(),
            $"Fashion-MNIST not found in {FashionMnistFiles.ResolveDirectory()}: apt-get install dataset-fashion-mnist");

        var train = FashionMnistFiles.LoadTrain();
        var test = FashionMnistFiles.LoadTest();

        Assert.Equal([60000, 1, 28, 28], train.ImageShape);
        Assert.Equal([10000, 1, 28, 28], test.ImageShape);
        Assert.Equal(60000 * 784, train.Images.Length);
        Assert.Equal(10000 * 784, test.Images.Length);
        Assert.All(train.Labels, l => Assert.InRange(l, 0, 9));
        Assert.Equal(Enumerable.Repeat(6000, 10), train.Labels.CountBy(l => l).OrderBy(g => g.Key).Select(g => g.Value));
        Assert.Equal(Enumerable.Repeat(1000, 10), test.Labels.CountBy(l => l).OrderBy(g => g.Key).Select(g => g.Value));
        Assert.Equal([9L, 0, 0, 3, 0, 2, 7, 2, 5, 5], train.Labels[..10]);
        Assert.Equal([9L, 2, 1, 1, 6, 1, 4, 6, 5, 7], test.Labels[..10]);
        // Sums of the raw pixel bytes, computed from the same files with numpy.
        Assert.Equal(3431114169L, train.Images.Sum(p => (long)MathF.Round(p * 255)));
        Assert.Equal(573469082L, test.Images.Sum(p => (long)MathF.Round(p * 255)));
    }
}
