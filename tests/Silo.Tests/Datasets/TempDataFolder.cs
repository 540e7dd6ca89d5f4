using System.Buffers.Binary;
using System.IO.Compression;

namespace Autograd.Cluster.Silo.Tests.Datasets;

/// <summary>A fresh folder of dataset files for one test (deleted at dispose), with writers for IDX and CSV files.</summary>
internal sealed class TempDataFolder : IDisposable
{
    public TempDataFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "autograd-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Csv(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>An IDX file of unsigned bytes with the given dims (big-endian header), gzipped when <paramref name="gzip"/>.</summary>
    public string IdxBytes(string name, int[] dims, byte[] values, bool gzip = false) => Idx(name, 0x08, dims, values, gzip);

    /// <summary>An IDX file of big-endian float32 values.</summary>
    public string IdxFloats(string name, int[] dims, float[] values, bool gzip = false)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(i * 4), values[i]);
        return Idx(name, 0x0D, dims, bytes, gzip);
    }

    /// <summary>A raw IDX file: magic 00 00 type rank, the dims, then <paramref name="data"/> as given.</summary>
    public string Idx(string name, byte type, int[] dims, byte[] data, bool gzip = false)
    {
        var raw = new MemoryStream();
        raw.Write([0, 0, type, (byte)dims.Length]);
        Span<byte> dim = stackalloc byte[4];
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(dim, d);
            raw.Write(dim);
        }

        raw.Write(data);
        string path = System.IO.Path.Combine(Path, name);
        using var file = File.Create(path);
        if (gzip)
        {
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            raw.WriteTo(gz);
        }
        else
        {
            raw.WriteTo(file);
        }

        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; a failing dispose would hide the test's own result.
        }
    }
}
