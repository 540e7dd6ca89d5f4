namespace Autograd.Data;

/// <summary>Which of Fashion-MNIST's two splits.</summary>
public enum FashionMnistSplit
{
    Train,
    Test,
}

/// <summary>
/// One split of Fashion-MNIST as plain arrays. <see cref="Images"/> is [Count, 1, 28, 28]
/// row-major, each pixel byte divided by 255 in float32 (what the reference script's
/// <c>torch.tensor(x, dtype=torch.float32).div_(255)</c> computes, bit for bit);
/// <see cref="Labels"/> holds Count class indices in 0..9 as int64, torch's label dtype.
/// </summary>
public sealed record FashionMnistData(float[] Images, long[] Labels)
{
    public int Count => Labels.Length;

    /// <summary>The shape of <see cref="Images"/>: [N, C, H, W].</summary>
    public int[] ImageShape => [Count, 1, FashionMnistFiles.ImageSize, FashionMnistFiles.ImageSize];
}

/// <summary>
/// Locates and loads Fashion-MNIST's four IDX files. The folder is, first found: the argument,
/// the environment variable <see cref="DirectoryEnvironmentVariable"/>, or
/// <see cref="DefaultDirectory"/> (Debian's <c>dataset-fashion-mnist</c> package). Each file may be
/// gzipped (<c>name.gz</c>) or not (<c>name</c>).
/// </summary>
public static class FashionMnistFiles
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    public const string DirectoryEnvironmentVariable = "AUTOGRAD_FASHION_MNIST_DIR";
    public const int ImageSize = 28;
    public const int ClassCount = 10;

    private const string InstallHint =
        "Install it with `apt-get install dataset-fashion-mnist` (Debian), or set " +
        DirectoryEnvironmentVariable + " to a folder holding the four IDX files.";

    /// <summary>The folder that would be loaded: the argument, else the environment variable,
    /// else <see cref="DefaultDirectory"/>. Does not check that it exists.</summary>
    public static string ResolveDirectory(string? directory = null) =>
        ResolveDirectory(directory, Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable));

    // The environment value is a parameter so tests need not mutate process-wide state.
    internal static string ResolveDirectory(string? directory, string? environmentValue) =>
        !string.IsNullOrWhiteSpace(directory) ? directory
        : !string.IsNullOrWhiteSpace(environmentValue) ? environmentValue
        : DefaultDirectory;

    /// <summary>True when all four files are present in the resolved folder.</summary>
    public static bool IsAvailable(string? directory = null)
    {
        string dir = ResolveDirectory(directory);
        return Directory.Exists(dir)
            && Enum.GetValues<FashionMnistSplit>().All(s =>
                FindFile(dir, ImagesName(s)) is not null && FindFile(dir, LabelsName(s)) is not null);
    }

    public static FashionMnistData LoadTrain(string? directory = null) => Load(FashionMnistSplit.Train, directory);

    public static FashionMnistData LoadTest(string? directory = null) => Load(FashionMnistSplit.Test, directory);

    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing from the folder.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or the two disagree.</exception>
    public static FashionMnistData Load(FashionMnistSplit split, string? directory = null)
    {
        string dir = ResolveDirectory(directory);
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Fashion-MNIST folder '{dir}' does not exist. {InstallHint}");

        string imagesPath = RequireFile(dir, ImagesName(split));
        string labelsPath = RequireFile(dir, LabelsName(split));
        IdxArray images = IdxReader.Read(imagesPath);
        IdxArray labels = IdxReader.Read(labelsPath);

        if (images.DataType != IdxDataType.UInt8 || images.Dims.Length != 3
            || images.Dims[1] != ImageSize || images.Dims[2] != ImageSize)
            throw new InvalidDataException(
                $"{imagesPath}: expected {IdxDataType.UInt8} images of dims [N, {ImageSize}, {ImageSize}], " +
                $"found {images.DataType} [{string.Join(", ", images.Dims)}].");
        if (labels.DataType != IdxDataType.UInt8 || labels.Dims.Length != 1)
            throw new InvalidDataException(
                $"{labelsPath}: expected {IdxDataType.UInt8} labels of dims [N], " +
                $"found {labels.DataType} [{string.Join(", ", labels.Dims)}].");
        if (images.Dims[0] != labels.Dims[0])
            throw new InvalidDataException(
                $"{dir}: {Path.GetFileName(imagesPath)} holds {images.Dims[0]} images but " +
                $"{Path.GetFileName(labelsPath)} holds {labels.Dims[0]} labels.");

        return new FashionMnistData(Normalize(images.AsBytes()), ToLabels(labels.AsBytes(), labelsPath));
    }

    private static string ImagesName(FashionMnistSplit split) =>
        (split == FashionMnistSplit.Train ? "train" : "t10k") + "-images-idx3-ubyte";

    private static string LabelsName(FashionMnistSplit split) =>
        (split == FashionMnistSplit.Train ? "train" : "t10k") + "-labels-idx1-ubyte";

    private static string? FindFile(string dir, string name)
    {
        foreach (string candidate in new[] { name + ".gz", name })
        {
            string path = Path.Combine(dir, candidate);
            if (File.Exists(path))
                return path;
        }
        return null;
    }

    private static string RequireFile(string dir, string name) =>
        FindFile(dir, name) ?? throw new FileNotFoundException(
            $"Fashion-MNIST folder '{dir}' has neither {name}.gz nor {name}. {InstallHint}",
            Path.Combine(dir, name + ".gz"));

    // Division, not multiplication by 1/255: the two differ in the last bit for about half of
    // the byte values, and the reference divides.
    internal static float[] Normalize(byte[] pixels)
    {
        var result = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            result[i] = pixels[i] / 255f;
        return result;
    }

    private static long[] ToLabels(byte[] raw, string path)
    {
        var labels = new long[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] >= ClassCount)
                throw new InvalidDataException($"{path}: label {i} is {raw[i]}, outside 0..{ClassCount - 1}.");
            labels[i] = raw[i];
        }
        return labels;
    }
}
