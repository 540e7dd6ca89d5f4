using Autograd.Cluster.Client;
using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Silo.Hosting;
using Xunit;

[assembly: AssemblyFixture(typeof(Autograd.Cluster.Cli.Tests.Support.LocalClusterFixture))]

namespace Autograd.Cluster.Cli.Tests.Support;

/// <summary>A running cluster of two CPU silos for the commands that take <c>--cluster</c>, and a client on it.</summary>
public sealed class LocalClusterFixture : IAsyncLifetime
{
    private LocalCluster? _cluster;
    private TrainingClient? _client;

    public TrainingClient Client => _client ?? throw new InvalidOperationException("the client has not connected");

    /// <summary>The cluster as <c>--cluster</c> takes it.</summary>
    public string Endpoint => string.Join(",", (_cluster ?? throw new InvalidOperationException("the cluster has not started")).GatewayEndpoints.Select(e => $"127.0.0.1:{e.Port}"));

    public async ValueTask InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync(2, [KeyValuePair.Create(ComputeDevice.ConfigurationKey, (string?)"cpu")]);
        _client = await TrainingClient.ConnectAsync(ClusterConnection.Parse(Endpoint));
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}
