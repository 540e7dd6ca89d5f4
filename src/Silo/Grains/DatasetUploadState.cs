using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Uploads;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The parts of one upload, allocated at their declared sizes when it begins, filled chunk by chunk in order, and
/// frozen at seal. Refusals are <see cref="JobSpecException"/>s naming the upload field (<c>upload.samples</c>, ...).
/// </summary>
internal sealed class DatasetUploadState
{
    private readonly Dictionary<UploadPart, float[]> _floats = [];
    private readonly Dictionary<UploadPart, long[]> _labels = [];
    private readonly Dictionary<UploadPart, long> _received = [];

    /// <param name="header">The upload's declared content.</param>
    /// <param name="maxBytes">
    /// The most bytes the header may declare (<see cref="TrainingLimits.MaxUploadBytes"/>: 4 per float value, 8 per
    /// label), checked before anything is allocated.
    /// </param>
    public DatasetUploadState(DatasetUploadHeader header, long maxBytes = TrainingLimits.DefaultMaxUploadBytes)
    {
        ArgumentNullException.ThrowIfNull(header);
        int features = Numel(header.SampleShape, "upload.sampleShape");
        if (header.Samples <= 0) throw new JobSpecException("upload.samples", $"must be positive, got {header.Samples}");
        if (header.TestSamples < 0) throw new JobSpecException("upload.testSamples", $"must be 0 (no test split) or positive, got {header.TestSamples}");
        if (header.Classes < 0) throw new JobSpecException("upload.classes", $"must be 0 (one more than the largest label) or positive, got {header.Classes}");
        int targets = header.HasLabels ? 1 : Numel(header.TargetShape, "upload.targetShape");
        long total = ((long)header.Samples + header.TestSamples) * (features + targets);
        if (total > DatasetProvider.MaxValues)
            throw new JobSpecException("upload.samples", $"{header.Samples} + {header.TestSamples} samples of {features} inputs and {targets} targets are {total} values, more than the {DatasetProvider.MaxValues} an uploaded dataset may hold");

        long bytes = ((long)header.Samples + header.TestSamples) * ((features * (long)sizeof(float)) + (header.HasLabels ? sizeof(long) : targets * (long)sizeof(float)));
        if (bytes > maxBytes)
            throw new JobSpecException("upload.samples", $"{header.Samples} + {header.TestSamples} samples of {features} inputs and {targets} targets declare {bytes} bytes, more than the {maxBytes} of {TrainingLimits.MaxUploadBytesKey}");

        Header = header;
        Values = total;
        Declare(UploadPart.Inputs, (long)header.Samples * features, labels: false);
        Declare(header.HasLabels ? UploadPart.Labels : UploadPart.Targets, (long)header.Samples * targets, header.HasLabels);
        if (header.TestSamples > 0)
        {
            Declare(UploadPart.TestInputs, (long)header.TestSamples * features, labels: false);
            Declare(header.HasLabels ? UploadPart.TestLabels : UploadPart.TestTargets, (long)header.TestSamples * targets, header.HasLabels);
        }
    }

    public DatasetUploadHeader Header { get; }

    /// <summary>The values all declared parts hold together (what the upload reserves of the silo's budget).</summary>
    public long Values { get; }

    public bool Sealed => Version.Length > 0;

    public string Version { get; private set; } = string.Empty;

    public void Append(DatasetChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (Sealed) throw new InvalidOperationException("the upload is sealed: its content cannot change");
        string field = $"upload.{chunk.Part}";
        if (!_received.TryGetValue(chunk.Part, out long received))
            throw new JobSpecException(field, $"the header declares no {chunk.Part} part; it declares {string.Join(", ", _received.Keys)}");
        if (chunk.Offset != received)
            throw new JobSpecException(field, $"chunk at offset {chunk.Offset}, but {received} values have arrived: send each part's chunks in order");

        long size = Size(chunk.Part);
        int count;
        if (_labels.TryGetValue(chunk.Part, out var labels))
        {
            var values = chunk.Labels ?? throw new JobSpecException(field, "a label part takes integer labels, not float values");
            count = CheckCount(values.Length, received, size, field);
            values.CopyTo(labels, received);
        }
        else
        {
            var block = chunk.Values ?? throw new JobSpecException(field, "a float part takes float values, not labels");
            count = CheckCount(block.Count, received, size, field);
            block.CopyTo(_floats[chunk.Part].AsSpan((int)received, count));
        }

        _received[chunk.Part] = received + count;
    }

    /// <summary>Checks that every part is complete and the whole is a dataset a job can train on, then freezes it.</summary>
    public void Seal()
    {
        if (Sealed) return;
        foreach (var (part, received) in _received)
        {
            if (received != Size(part))
                throw new JobSpecException($"upload.{part}", $"{received} of {Size(part)} values have arrived");
        }

        InMemorySource.Validate(Samples(), "upload");
        Version = Guid.NewGuid().ToString("N");
    }

    public InMemorySamples Samples() => new(
        Header.SampleShape,
        _floats[UploadPart.Inputs],
        _labels.GetValueOrDefault(UploadPart.Labels),
        Header.Classes,
        _floats.GetValueOrDefault(UploadPart.Targets),
        Header.HasLabels ? [] : Header.TargetShape,
        _floats.GetValueOrDefault(UploadPart.TestInputs),
        _labels.GetValueOrDefault(UploadPart.TestLabels),
        _floats.GetValueOrDefault(UploadPart.TestTargets));

    public float[] Floats(UploadPart part) => _floats.TryGetValue(part, out var values)
        ? values
        : throw new ArgumentException($"upload part {part} holds no floats; the upload has {string.Join(", ", _received.Keys)}", nameof(part));

    public long[] Labels(UploadPart part) => _labels.TryGetValue(part, out var values)
        ? values
        : throw new ArgumentException($"upload part {part} holds no labels; the upload has {string.Join(", ", _received.Keys)}", nameof(part));

    public DatasetUploadInfo Info(string uploadId) => new()
    {
        UploadId = uploadId,
        Header = Header,
        Version = Version,
        Sealed = Sealed,
        Received = new Dictionary<UploadPart, long>(_received),
        Expected = _received.Keys.ToDictionary(p => p, Size),
    };

    private long Size(UploadPart part) => _labels.TryGetValue(part, out var l) ? l.Length : _floats[part].Length;

    private void Declare(UploadPart part, long size, bool labels)
    {
        if (labels) _labels[part] = new long[size];
        else _floats[part] = new float[size];
        _received[part] = 0;
    }

    private static int CheckCount(int count, long received, long size, string field)
    {
        if (count is 0 or > DatasetUploadHeader.MaxChunkValues)
            throw new JobSpecException(field, $"a chunk carries 1 to {DatasetUploadHeader.MaxChunkValues} values, got {count}");
        if (received + count > size)
            throw new JobSpecException(field, $"{received} + {count} values overrun the {size} the header declares");
        return count;
    }

    private static int Numel(int[]? shape, string field)
    {
        if (shape is not { Length: > 0 } || shape.Any(d => d <= 0))
            throw new JobSpecException(field, $"must be a non-empty list of positive sizes, got [{string.Join(", ", shape ?? [])}]");
        long n = shape.Aggregate(1L, (a, d) => Math.Min(a * d, DatasetProvider.MaxValues + 1));
        return n <= DatasetProvider.MaxValues ? (int)n : throw new JobSpecException(field, $"one sample of [{string.Join(", ", shape)}] exceeds {DatasetProvider.MaxValues} values");
    }
}
