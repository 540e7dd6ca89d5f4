namespace Autograd.Cluster.Deploy.Tests.Support;

/// <summary>Paths in the repository this test assembly was built from.</summary>
internal static class Repository
{
    /// <summary>The folder holding Autograd.Cluster.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>deploy/kubernetes.</summary>
    public static string Kubernetes => Path.Combine(Root, "deploy", "kubernetes");

    /// <summary>deploy/docker.</summary>
    public static string Docker => Path.Combine(Root, "deploy", "docker");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Autograd.Cluster.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Autograd.Cluster.sln above {AppContext.BaseDirectory}");
    }
}
