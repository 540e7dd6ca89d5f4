using System.Reflection;

namespace Autograd.Cluster.Testing;

/// <summary>Paths in the repository the running assembly was built from.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder holding Autograd.Cluster.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>
    /// src/Silo's <c>Autograd.Cluster.Silo.dll</c> in the configuration this library was built in, which is the
    /// configuration of the test or benchmark that references it (a build passes its configuration to references).
    /// </summary>
    /// <exception cref="FileNotFoundException">src/Silo has not been built in that configuration.</exception>
    public static string SiloAssembly
    {
        get
        {
            string configuration = typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            string path = Path.Combine(Root, "src", "Silo", "bin", configuration, "net10.0", "Autograd.Cluster.Silo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"build src/Silo in {configuration} first", path);
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Autograd.Cluster.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Autograd.Cluster.sln above {AppContext.BaseDirectory}");
    }
}
