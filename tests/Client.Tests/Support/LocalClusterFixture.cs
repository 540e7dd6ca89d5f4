using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Silo.Hosting;
using Xunit;

[assembly: AssemblyFixture(typeof(Autograd.Cluster.Client.Tests.Support.LocalClusterFixture))]

namespace Autograd.Cluster.Client.Tests.Support;

/// <summary>An embedded cluster of two CPU silos and a client connected to its gateways, shared by the assembly.</summary>
public sealed class LocalClusterFixture : IAsyncLifetime
{
    private LocalCluster? _cluster;
    private TrainingClient? _client;

    public LocalCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public TrainingClient Client => _client ?? throw new InvalidOperationException("the client has not connected");

    /// <summary>The gateways as a connection, for a second client.</summary>
    public ClusterConnection Connection => ClusterConnection.ToGateways([.. Cluster.GatewayEndpoints]);

    public async ValueTask InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync(2, [KeyValuePair.Create(ComputeDevice.ConfigurationKey, (string?)"cpu")]);
        _client = await TrainingClient.ConnectAsync(Connection);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}
