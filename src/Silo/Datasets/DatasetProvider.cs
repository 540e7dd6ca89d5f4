using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Uploads;
using Autograd.Data;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// Makes a job's <see cref="TrainingData"/> (and its held-out test split) from its <see cref="DatasetSpec"/>, refusing
/// bad specs by field. One per silo: file datasets (Fashion-MNIST, idx, csv) are read once per silo and shared,
/// read-only, by every job and worker on it; uploaded datasets are fetched once per silo by <see cref="PrepareAsync"/>.
/// </summary>
public sealed class DatasetProvider
{
    /// <summary>The most input values a generated, uploaded or file dataset may hold (256 MiB of floats).</summary>
    public const long MaxValues = 64L * 1024 * 1024;

    /// <summary>How many uploaded datasets a silo keeps after the jobs that fetched them let them go.</summary>
    public const int UploadsKept = 8;

    /// <summary>
    /// How many file datasets (an idx pair or a csv file with its options, per split; each version of a rewritten file
    /// counts as one) a silo keeps after the jobs that read them let them go; as many Fashion-MNIST folders' splits.
    /// </summary>
    public const int FilesKept = 8;

    private readonly SiloCache<(string Directory, bool Train), TensorDataset> _fashionMnist = new(FilesKept);
    private readonly SiloCache<string, SampleSet> _files = new(FilesKept);
    private readonly DatasetRoots _roots;
    private readonly UploadCache _uploads = new(UploadsKept);

    /// <summary>File datasets this silo holds now (for tests: the cache stays within <see cref="FilesKept"/>).</summary>
    internal int FilesHeld => _files.Count;

    /// <summary>A provider that reads file datasets at any absolute path (tests, a developer's machine).</summary>
    public DatasetProvider()
        : this(DatasetRoots.Any)
    {
    }

    /// <summary>A provider that reads file datasets only under <paramref name="roots"/> (when it names any).</summary>
    public DatasetProvider(DatasetRoots roots) => _roots = roots ?? throw new ArgumentNullException(nameof(roots));

    /// <summary>The silo's provider: file datasets under <c>Autograd:DataRoots</c> when configured.</summary>
    public DatasetProvider(IConfiguration configuration)
        : this(DatasetRoots.Read(configuration))
    {
    }

    /// <summary>
    /// Fetches what <see cref="Load"/> cannot read by itself: an <c>in-memory</c> dataset's sealed upload
    /// (<see cref="DatasetSpec.UploadId"/>), read in chunks from its grain into this silo's cache unless the same
    /// version is there already. Call before <see cref="Load"/> and <see cref="LoadTest"/>; does nothing for other datasets.
    /// </summary>
    public async Task PrepareAsync(DatasetSpec? spec, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (spec is not { Kind: DatasetSpec.InMemory, UploadId: not null }) return;
        string id = CheckUploadSpec(spec);
        var upload = grains.GetGrain<IDatasetUploadGrain>(id);
        var info = await upload.GetInfoAsync();
        if (info.Header is null)
            throw new JobSpecException("dataset.uploadId", $"no upload '{id}': it was never begun, or was deleted, expired or lost with its silo");
        if (!info.Sealed)
        {
            var missing = info.Expected.Where(p => info.Received[p.Key] < p.Value).Select(p => $"{p.Key} {info.Received[p.Key]}/{p.Value}");
            throw new JobSpecException("dataset.uploadId", $"upload '{id}' is not sealed (received so far: {string.Join(", ", missing.DefaultIfEmpty("every value; call SealAsync"))})");
        }

        await _uploads.GetOrAdd(id, info.Version, () => UploadReader.FetchAsync(upload, info));
    }

    /// <summary>The training data for <paramref name="spec"/> with targets in the form <paramref name="loss"/> needs.</summary>
    public TrainingData Load(DatasetSpec? spec, string loss) =>
        LoadSplit(spec, loss, DatasetSplit.Train) ?? throw new InvalidOperationException("every dataset has a training split");

    /// <summary>
    /// The held-out test split of <paramref name="spec"/> (its first <see cref="DatasetSpec.TestLimit"/> samples when
    /// set), with targets in the same form as <see cref="Load"/>'s; null when the dataset has none (a synthetic spec
    /// without <see cref="SyntheticDataSpec.TestSamples"/>, an in-memory one without test inputs).
    /// </summary>
    public TrainingData? LoadTest(DatasetSpec? spec, string loss) => LoadSplit(spec, loss, DatasetSplit.Test);

    private TrainingData? LoadSplit(DatasetSpec? spec, string loss, DatasetSplit split)
    {
        if (spec is null) throw new JobSpecException("dataset", "is missing");
        if (spec.Limit < 0) throw new JobSpecException("dataset.limit", $"must be 0 (all) or positive, got {spec.Limit}");
        if (spec.TestLimit < 0) throw new JobSpecException("dataset.testLimit", $"must be 0 (all) or positive, got {spec.TestLimit}");
        int limit = split == DatasetSplit.Train ? spec.Limit : spec.TestLimit;
        switch (spec.Kind)
        {
            case DatasetSpec.FashionMnist:
                return LoadFashionMnist(spec, loss, split, limit);
            case DatasetSpec.Synthetic:
                return SyntheticSource.Generate(spec.SyntheticData, split, limit) is var (set, classes, delay)
                    ? TrainingDataBuilder.Build(set, classes, 0, loss, delay)
                    : null;
            case DatasetSpec.InMemory:
            {
                var data = spec.UploadId is null ? InMemorySource.FromSpec(spec.InMemoryData) : Uploaded(spec);
                return data.Split(split) is { } part ? TrainingDataBuilder.Build(part, data.Classes, limit, loss, TimeSpan.Zero) : null;
            }

            case DatasetSpec.Idx:
                return LoadFiles(spec, loss, split, limit, ReadIdx, "dataset.labelsPath", "dataset.testLabelsPath");
            case DatasetSpec.Csv:
                CsvSource.CheckOptions(spec.CsvData);
                return LoadFiles(spec, loss, split, limit, ReadCsv, "dataset.path", "dataset.testPath");
            default:
                throw new JobSpecException("dataset.kind", $"unknown dataset '{spec.Kind}'; known datasets: {string.Join(", ", DatasetSpec.Kinds)}");
        }
    }

    private InMemoryDataset Uploaded(DatasetSpec spec)
    {
        string id = CheckUploadSpec(spec);
        return _uploads.TryGet(id)
            ?? throw new JobSpecException("dataset.uploadId", $"upload '{id}' has not been fetched to this silo: DatasetProvider.PrepareAsync must run first");
    }

    private static string CheckUploadSpec(DatasetSpec spec)
    {
        if (spec.InMemoryData is not null)
            throw new JobSpecException("dataset.uploadId", "give either dataset.uploadId (an upload) or dataset.inMemoryData (inline values), not both");
        return string.IsNullOrWhiteSpace(spec.UploadId) ? throw new JobSpecException("dataset.uploadId", "is empty") : spec.UploadId;
    }

    private TrainingData LoadFashionMnist(DatasetSpec spec, string loss, DatasetSplit split, int limit)
    {
        string directory = FashionMnistFiles.ResolveDirectory(spec.Directory);
        if (!FashionMnistFiles.IsAvailable(directory))
            throw new JobSpecException(spec.Directory is null ? "dataset" : "dataset.directory", $"no Fashion-MNIST files in '{directory}' on this silo");

        bool train = split == DatasetSplit.Train;
        var full = _fashionMnist.GetOrAdd((directory, train), k => FashionMnist.Load(k.Train, k.Directory));
        int[] shape = [1, FashionMnistFiles.ImageSize, FashionMnistFiles.ImageSize];
        var set = new SampleSet(full.Tensors[0], shape, full.Tensors[1].ToArray<long>(), null, []);
        return TrainingDataBuilder.Build(set, FashionMnistFiles.ClassCount, limit, loss, TimeSpan.Zero);
    }

    /// <summary>
    /// A file dataset's split: the training split (read once per silo) fixes the class count, which the test split's
    /// labels must respect; the test split must have the training split's sample and target shapes.
    /// </summary>
    private static TrainingData? LoadFiles(
        DatasetSpec spec, string loss, DatasetSplit split, int limit, Func<DatasetSpec, DatasetSplit, SampleSet> read, string labelsField, string testLabelsField)
    {
        var train = read(spec, DatasetSplit.Train);
        int classes = 0;
        if (train.Labels is { } labels)
        {
            classes = TrainingDataBuilder.Classes(spec.Classes, train, "dataset.classes");
            TrainingDataBuilder.CheckLabels(labels, classes, labelsField);
        }
        else if (spec.Classes != 0)
        {
            throw new JobSpecException("dataset.classes", $"the dataset has float targets of shape [{string.Join(", ", train.TargetShape)}], not classes: leave classes at 0");
        }

        if (split == DatasetSplit.Train) return TrainingDataBuilder.Build(train, classes, limit, loss, TimeSpan.Zero);
        if (spec.TestPath is null)
        {
            if (spec.TestLabelsPath is not null) throw new JobSpecException("dataset.testPath", "is missing, but dataset.testLabelsPath is given");
            return null;
        }

        var test = read(spec, DatasetSplit.Test);
        if (!test.SampleShape.AsSpan().SequenceEqual(train.SampleShape))
            throw new JobSpecException("dataset.testPath", $"its samples are [{string.Join(", ", test.SampleShape)}], the training samples [{string.Join(", ", train.SampleShape)}]");
        if ((test.Labels is null) != (train.Labels is null) || !test.TargetShape.AsSpan().SequenceEqual(train.TargetShape))
            throw new JobSpecException(testLabelsField, $"its targets are {Describe(test)}, the training targets {Describe(train)}");
        if (test.Labels is { } testLabels) TrainingDataBuilder.CheckLabels(testLabels, classes, testLabelsField);
        return TrainingDataBuilder.Build(test, classes, limit, loss, TimeSpan.Zero);
    }

    private SampleSet ReadIdx(DatasetSpec spec, DatasetSplit split)
    {
        var (inputs, targets) = split == DatasetSplit.Train
            ? (DatasetFile.Resolve(spec.Path, "dataset.path", _roots), DatasetFile.Resolve(spec.LabelsPath, "dataset.labelsPath", _roots))
            : (DatasetFile.Resolve(spec.TestPath, "dataset.testPath", _roots), DatasetFile.Resolve(spec.TestLabelsPath, "dataset.testLabelsPath", _roots));
        return _files.GetOrAdd($"idx|{inputs.Identity}|{targets.Identity}", _ => IdxSource.Read(inputs, targets));
    }

    private SampleSet ReadCsv(DatasetSpec spec, DatasetSplit split)
    {
        var file = split == DatasetSplit.Train ? DatasetFile.Resolve(spec.Path, "dataset.path", _roots) : DatasetFile.Resolve(spec.TestPath, "dataset.testPath", _roots);
        var csv = spec.CsvData!;
        string key = $"csv|{file.Identity}|{csv.Header}|{string.Join('\u0001', csv.TargetColumns)}|{csv.Task}|{csv.Delimiter}";
        return _files.GetOrAdd(key, _ => CsvSource.Read(file, csv));
    }

    private static string Describe(SampleSet set) =>
        set.Labels is null ? $"float values of shape [{string.Join(", ", set.TargetShape)}]" : "class labels";
}
