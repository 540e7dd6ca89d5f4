using Xunit;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// The chaos tests run one after another (each starts its own silo processes and Redis): two of them killing silos at
/// once on a 2-core machine would measure each other's load, not recovery.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChaosCollection
{
    public const string Name = "Chaos";
}
