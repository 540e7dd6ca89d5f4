using Orleans.TestingHost;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hostile;

/// <summary>A <see cref="HostileCluster"/> with the default limits, for the property test alone.</summary>
public sealed class PropertyClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public IGrainFactory Grains => Cluster.Client;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public async ValueTask InitializeAsync() => _cluster = await HostileCluster.StartAsync();

    public async ValueTask DisposeAsync() => await HostileCluster.StopAsync(_cluster);
}
