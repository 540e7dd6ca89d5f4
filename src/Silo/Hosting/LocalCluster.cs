using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// An embedded cluster for one machine: <see cref="StartAsync"/> hosts n silos in this process with development
/// (localhost) clustering on loopback: the first silo is the primary every other one joins, each silo has its own
/// free silo and gateway ports, and each gets <see cref="SiloBuilderExtensions.AddAutogradTraining"/> with the
/// silo program's <c>Autograd:*</c> keys from the environment (<c>Autograd__Device</c>, ...) and from the caller;
/// checkpoints go to this process's memory. Clients connect to
/// <see cref="GatewayEndpoints"/>. Disposing stops every silo.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    /// <summary>The cluster and service id of an embedded cluster (the silo program's defaults).</summary>
    public const string ClusterId = "dev";

    private readonly List<IHost> _silos;

    private LocalCluster(List<IHost> silos, IReadOnlyList<IPEndPoint> gateways)
    {
        _silos = silos;
        GatewayEndpoints = gateways;
    }

    /// <summary>The gateway endpoint of each silo, in start order (all on 127.0.0.1).</summary>
    public IReadOnlyList<IPEndPoint> GatewayEndpoints { get; }

    /// <summary>The number of silos running.</summary>
    public int Silos => _silos.Count;

    /// <summary>
    /// Starts <paramref name="silos"/> silos and returns once all have joined. <paramref name="configuration"/> is
    /// layered over each silo's own (environment variables, as the silo program reads them), e.g.
    /// <c>Autograd:Device=cpu</c>; <paramref name="logging"/> configures each silo's logging (default: none, so an
    /// embedded cluster does not write into its host program's console).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="silos"/> is not positive.</exception>
    public static async Task<LocalCluster> StartAsync(
        int silos,
        IEnumerable<KeyValuePair<string, string?>>? configuration = null,
        Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default)
    {
        if (silos <= 0) throw new ArgumentOutOfRangeException(nameof(silos), silos, "a local cluster needs at least one silo");
        var settings = configuration?.ToList() ?? [];
        var hosts = new List<IHost>(silos);
        var gateways = new List<IPEndPoint>(silos);
        IPEndPoint? primary = null;
        try
        {
            for (int i = 0; i < silos; i++)
            {
                var (siloPort, gatewayPort) = FreePorts();
                var host = Build(siloPort, gatewayPort, primary, settings, logging);
                hosts.Add(host);
                await host.StartAsync(cancellationToken);
                primary ??= new IPEndPoint(IPAddress.Loopback, siloPort);
                gateways.Add(new IPEndPoint(IPAddress.Loopback, gatewayPort));
            }
        }
        catch
        {
            await StopAllAsync(hosts);
            throw;
        }

        return new LocalCluster(hosts, gateways);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync(_silos);
        _silos.Clear();
    }

    private static IHost Build(int siloPort, int gatewayPort, IPEndPoint? primary, List<KeyValuePair<string, string?>> settings, Action<ILoggingBuilder>? logging)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // The silo program's own keys from the environment (Autograd__Device, ...), but none of Orleans': an embedded
        // cluster is always localhost clustering with in-process checkpoint storage, whatever the shell exports.
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        builder.Configuration.AddInMemoryCollection(environment.AsEnumerable().Where(kv => kv.Key.StartsWith("Autograd:", StringComparison.OrdinalIgnoreCase)));
        builder.Configuration.AddInMemoryCollection(settings);
        // UseOrleans binds Orleans:* itself (ClusterOptions default to "default" once that section exists): name the ids there too.
        builder.Configuration[SiloHostingOptions.ClusteringKey] = SiloHostingOptions.Localhost;
        builder.Configuration[SiloHostingOptions.ClusterIdKey] = ClusterId;
        builder.Configuration[SiloHostingOptions.ServiceIdKey] = ClusterId;
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: ClusterId, clusterId: ClusterId)
            .AddAutogradTraining());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        return builder.Build();
    }

    /// <summary>Two free loopback ports, held open together so that they differ, then released for the silo to take.</summary>
    private static (int Silo, int Gateway) FreePorts()
    {
        using var a = new TcpListener(IPAddress.Loopback, 0);
        using var b = new TcpListener(IPAddress.Loopback, 0);
        a.Start();
        b.Start();
        int silo = ((IPEndPoint)a.LocalEndpoint).Port;
        int gateway = ((IPEndPoint)b.LocalEndpoint).Port;
        a.Stop();
        b.Stop();
        return (silo, gateway);
    }

    // Stops the joiners first and the primary last, so no silo waits on a primary that has gone.
    private static async Task StopAllAsync(List<IHost> hosts)
    {
        for (int i = hosts.Count - 1; i >= 0; i--)
        {
            try
            {
                await hosts[i].StopAsync();
            }
            finally
            {
                hosts[i].Dispose();
            }
        }
    }
}
