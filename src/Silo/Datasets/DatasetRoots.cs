using Autograd.Cluster.Contracts;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// The folders <c>idx</c> and <c>csv</c> datasets may be read from, from configuration <c>Autograd:DataRoots</c>
/// (absolute folders separated by <c>;</c>). Unset, any absolute path the silo can read is allowed (a developer's
/// machine); set it on a shared cluster so a job spec cannot make silos read (and quote in refusals) other files.
/// A file reached through a symbolic link is checked where the link ends.
/// </summary>
public sealed class DatasetRoots
{
    public const string ConfigurationKey = "Autograd:DataRoots";

    private readonly string[] _roots;

    public DatasetRoots(IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        _roots = roots.Select(r => r.Trim()).Where(r => r.Length > 0).Select(Normalize).ToArray();
    }

    /// <summary>No restriction.</summary>
    public static DatasetRoots Any { get; } = new([]);

    public IReadOnlyList<string> Roots => _roots;

    /// <summary>The roots configured under <see cref="ConfigurationKey"/>; a relative one stops the silo naming the key.</summary>
    public static DatasetRoots Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var roots = (configuration[ConfigurationKey] ?? string.Empty).Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var relative = roots.FirstOrDefault(r => !Path.IsPathFullyQualified(r));
        if (relative is not null) throw new InvalidOperationException($"configuration {ConfigurationKey}: '{relative}' is not an absolute folder");
        return new DatasetRoots(roots);
    }

    /// <summary>
    /// Refuses absolute <paramref name="path"/> when it (or, for an existing link, its final target) lies outside every
    /// root: checked before the file's existence, so a refusal says nothing about files elsewhere.
    /// </summary>
    public void Check(string path, string field)
    {
        if (_roots.Length == 0) return;
        string target = File.Exists(path) ? new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path : path;
        foreach (string candidate in new[] { Path.GetFullPath(path), Path.GetFullPath(target) })
        {
            if (!_roots.Any(root => candidate.StartsWith(root, StringComparison.Ordinal)))
                throw new JobSpecException(field, $"'{path}' is outside the dataset folders this cluster reads ({ConfigurationKey}: {string.Join("; ", _roots)})");
        }
    }

    private static string Normalize(string root)
    {
        string full = Path.GetFullPath(root);
        return full.EndsWith(Path.DirectorySeparatorChar) ? full : full + Path.DirectorySeparatorChar;
    }
}
