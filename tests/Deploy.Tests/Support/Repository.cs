using Autograd.Cluster.Testing;

namespace Autograd.Cluster.Deploy.Tests.Support;

/// <summary>Paths in the repository this test assembly was built from.</summary>
internal static class Repository
{
    /// <summary>The folder holding Autograd.Cluster.sln.</summary>
    public static string Root => RepositoryPaths.Root;

    /// <summary>deploy/kubernetes.</summary>
    public static string Kubernetes => Path.Combine(Root, "deploy", "kubernetes");

    /// <summary>deploy/docker.</summary>
    public static string Docker => Path.Combine(Root, "deploy", "docker");
}
