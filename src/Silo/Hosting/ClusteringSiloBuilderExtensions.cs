using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>Joins a silo to the cluster its <see cref="SiloHostingOptions"/> name.</summary>
public static class ClusteringSiloBuilderExtensions
{
    /// <summary>
    /// Sets up clustering (localhost or Redis membership), the cluster and service ids and the endpoints from
    /// <paramref name="options"/> (read them with <see cref="SiloHostingOptions.Read"/> before <c>UseOrleans</c>, which
    /// reads some <c>Orleans:*</c> keys itself).
    /// </summary>
    public static ISiloBuilder UseClustering(this ISiloBuilder builder, SiloHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Clustering == SiloHostingOptions.Localhost)
            return builder.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);

        builder.UseRedisClustering(options.RedisConnectionString
            ?? throw new ArgumentException($"redis clustering needs {SiloHostingOptions.RedisConnectionStringKey}", nameof(options)));
        builder.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        // A pod advertises its own IP and must accept traffic on it; a loopback silo stays private to the host.
        return builder.ConfigureEndpoints(
            options.AdvertisedIP, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(options.AdvertisedIP));
    }
}
