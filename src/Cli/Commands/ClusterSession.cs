using Autograd.Cluster.Client;
using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Cli.Commands;

/// <summary>A client on the cluster a command names, or on an embedded <see cref="LocalCluster"/> that lives as long as this session.</summary>
internal sealed class ClusterSession : IAsyncDisposable
{
    private readonly LocalCluster? _local;

    private ClusterSession(TrainingClient client, LocalCluster? local, string description)
    {
        Client = client;
        _local = local;
        Description = description;
    }

    public TrainingClient Client { get; }

    /// <summary>Where the jobs run, for messages.</summary>
    public string Description { get; }

    /// <summary>Connects to <paramref name="cluster"/> (see <see cref="ClusterConnection.Parse"/>) as a client of the cluster and service ids given, with <paramref name="tls"/> when not null.</summary>
    public static async Task<ClusterSession> ConnectAsync(string cluster, string clusterId, string serviceId, ClusterTls? tls, CancellationToken cancellationToken)
    {
        var connection = ClusterConnection.Parse(cluster) with { ClusterId = clusterId, ServiceId = serviceId, Tls = tls };
        var client = await TrainingClient.ConnectAsync(connection, cancellationToken);
        return new ClusterSession(client, null, $"cluster {connection}");
    }

    /// <summary>Starts an embedded cluster of <paramref name="silos"/> silos (device <paramref name="device"/>, or the silo's own default) and connects to it.</summary>
    public static async Task<ClusterSession> StartLocalAsync(int silos, string? device, CancellationToken cancellationToken)
    {
        var settings = device is null ? [] : new[] { KeyValuePair.Create(ComputeDevice.ConfigurationKey, (string?)device) };
        LocalCluster local;
        try
        {
            local = await LocalCluster.StartAsync(silos, settings, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException && e.Message.Contains(ComputeDevice.ConfigurationKey, StringComparison.Ordinal))
        {
            throw new CliException($"--device: {e.Message}", ExitCodes.BadInput);
        }

        try
        {
            var client = await TrainingClient.ConnectAsync(ClusterConnection.ToGateways([.. local.GatewayEndpoints]), cancellationToken);
            return new ClusterSession(client, local, $"an embedded cluster of {silos} silo(s)");
        }
        catch
        {
            await local.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        if (_local is not null) await _local.DisposeAsync();
    }
}
