using System.IO.Compression;
using Autograd.Cluster.Contracts;
using Autograd.Data;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// Reads an <c>idx</c> dataset split: an inputs file [n, ...sample shape] and a targets file with the engine's
/// hardened <see cref="IdxReader"/> (gzip or plain). Unsigned-byte inputs are scaled to [0, 1] (pixel / 255, as
/// Fashion-MNIST and torchvision's ToTensor do); other input types are taken as they are. Integer targets of shape [n]
/// are class labels; float targets of [n, ...] are regression targets.
/// </summary>
internal static class IdxSource
{
    public static SampleSet Read(DatasetFile inputsFile, DatasetFile targetsFile)
    {
        var inputs = ReadArray(inputsFile);
        if (inputs.Dims[0] == 0) throw new JobSpecException(inputsFile.Field, $"'{inputsFile.Path}' holds no samples");
        int[] sampleShape = inputs.Dims.Length > 1 ? inputs.Dims[1..] : [1];
        if (sampleShape.Any(d => d == 0)) throw new JobSpecException(inputsFile.Field, $"'{inputsFile.Path}' has an empty sample shape [{string.Join(", ", sampleShape)}]");
        var values = ToFloats(inputs, inputsFile, scaleBytes: true);

        var targets = ReadArray(targetsFile);
        if (targets.Dims[0] != inputs.Dims[0])
            throw new JobSpecException(targetsFile.Field, $"'{targetsFile.Path}' holds {targets.Dims[0]} samples but '{inputsFile.Path}' holds {inputs.Dims[0]}");
        var tensor = Tensor.From(values, [inputs.Dims[0], .. sampleShape]);
        if (targets.DataType is IdxDataType.Float32 or IdxDataType.Float64)
        {
            int[] targetShape = targets.Dims.Length > 1 ? targets.Dims[1..] : [1];
            return new SampleSet(tensor, sampleShape, null, ToFloats(targets, targetsFile, scaleBytes: false), targetShape);
        }

        if (targets.Dims.Length != 1)
            throw new JobSpecException(targetsFile.Field, $"'{targetsFile.Path}' holds {targets.DataType} of dims [{string.Join(", ", targets.Dims)}]: class labels are one integer per sample, [n] (store regression targets as float32 or float64)");
        var labels = new long[targets.Count];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = Convert.ToInt64(targets.Data.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            if (labels[i] < 0) throw new JobSpecException(targetsFile.Field, $"'{targetsFile.Path}': label {i} is {labels[i]}, a class index cannot be negative");
        }

        return new SampleSet(tensor, sampleShape, labels, null, []);
    }

    private static IdxArray ReadArray(DatasetFile file)
    {
        IdxArray array;
        using (var stream = file.Open())
        {
            try
            {
                array = IdxReader.Read(stream, file.Path, MaxDataBytes(stream));
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new JobSpecException(file.Field, e.Message);
            }
        }

        if (array.Count > DatasetProvider.MaxValues)
            throw new JobSpecException(file.Field, $"'{file.Path}' holds {array.Count} values, more than the {DatasetProvider.MaxValues} a dataset may hold");
        return array;
    }

    /// <summary>
    /// The byte cap that admits <see cref="DatasetProvider.MaxValues"/> elements of the file's type (its magic's third
    /// byte, read through gzip when the file is compressed), so that the reader refuses an oversized file from its
    /// header: with one cap for every type, a file of bytes could make it read and allocate 8 x MaxValues before the
    /// count check. The stream is left at its start; a header too short or corrupt to tell is left to the reader.
    /// </summary>
    private static long MaxDataBytes(FileStream stream)
    {
        const long widest = 8 * DatasetProvider.MaxValues;
        Span<byte> magic = stackalloc byte[4];
        try
        {
            int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
            if (got == 4 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                stream.Position = 0;
                using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
                got = gzip.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
            }

            return got < 4 ? widest : (IdxDataType)magic[2] switch
            {
                IdxDataType.UInt8 or IdxDataType.Int8 => DatasetProvider.MaxValues,
                IdxDataType.Int16 => 2 * DatasetProvider.MaxValues,
                IdxDataType.Int32 or IdxDataType.Float32 => 4 * DatasetProvider.MaxValues,
                _ => widest,
            };
        }
        catch (InvalidDataException)
        {
            return widest;
        }
        finally
        {
            stream.Position = 0;
        }
    }

    private static float[] ToFloats(IdxArray array, DatasetFile file, bool scaleBytes)
    {
        var values = new float[array.Count];
        switch (array.Data)
        {
            case byte[] b:
                for (int i = 0; i < b.Length; i++) values[i] = scaleBytes ? b[i] / 255f : b[i];
                return values;
            case sbyte[] s:
                for (int i = 0; i < s.Length; i++) values[i] = s[i];
                return values;
            case short[] s:
                for (int i = 0; i < s.Length; i++) values[i] = s[i];
                return values;
            case int[] n:
                for (int i = 0; i < n.Length; i++) values[i] = n[i];
                return values;
            case float[] f:
                f.CopyTo(values, 0);
                break;
            case double[] d:
                for (int i = 0; i < d.Length; i++) values[i] = (float)d[i];
                break;
        }

        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0) throw new JobSpecException(file.Field, $"'{file.Path}': value {bad} is {values[bad]}, not a finite float32");
        return values;
    }
}
