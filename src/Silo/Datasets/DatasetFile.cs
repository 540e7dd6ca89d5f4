using Autograd.Cluster.Contracts;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// A dataset file named by a spec field: an absolute path (so it means the same file on every silo) that exists on
/// this silo. <see cref="Identity"/> changes when the file does, so the silo cache reads a rewritten file again.
/// </summary>
internal sealed record DatasetFile(string Path, string Field, string Identity)
{
    public static DatasetFile Resolve(string? path, string field, DatasetRoots roots)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new JobSpecException(field, "is missing");
        if (!System.IO.Path.IsPathFullyQualified(path))
            throw new JobSpecException(field, $"'{path}' is not an absolute path: every silo reads it, each from its own working folder");
        roots.Check(path, field);
        var info = new FileInfo(path);
        if (!info.Exists) throw new JobSpecException(field, $"no file '{path}' on this silo");
        return new DatasetFile(path, field, $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
    }

    /// <summary>Opens the file for reading, turning I/O failures into a refusal naming the field.</summary>
    public FileStream Open()
    {
        try
        {
            return new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobSpecException(Field, $"cannot read '{Path}' on this silo: {e.Message}");
        }
    }
}
