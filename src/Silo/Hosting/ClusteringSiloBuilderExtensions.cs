using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>Joins a silo to the cluster its <see cref="SiloHostingOptions"/> name.</summary>
public static class ClusteringSiloBuilderExtensions
{
    /// <summary>
    /// Sets up clustering (localhost or Redis membership, or what Orleans' own keys describe, as Aspire sets them), the cluster and service ids and the endpoints from
    /// <paramref name="options"/> (read them with <see cref="SiloHostingOptions.Read"/> before <c>UseOrleans</c>, which
    /// reads some <c>Orleans:*</c> keys itself).
    /// </summary>
    public static ISiloBuilder UseClustering(this ISiloBuilder builder, SiloHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Clustering == SiloHostingOptions.Localhost)
        {
            builder.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            // UseOrleans binds ClusterOptions from the Orleans configuration section after this runs, so with any
            // Orleans:* key but no Orleans:ClusterId the silo ran as cluster "default" and refused clients of "dev".
            builder.Services.PostConfigure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            return builder;
        }
        if (options.Clustering == SiloHostingOptions.Configured)
            return builder.UseConfiguredClustering(options);

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

    // Orleans itself applies Orleans:Clustering:ProviderType, the ids and Orleans:Endpoints:* (its UseOrleans reads the
    // Orleans section); two things Aspire's injected keys leave open are settled here:
    // - Orleans' Redis provider, given a ServiceKey, resolves a keyed IConnectionMultiplexer (Aspire's client package
    //   would register one); register it from ConnectionStrings:<ServiceKey>, which Aspire's WithReference sets.
    // - Without Orleans:Endpoints:AdvertisedIPAddress Orleans advertises the first non-loopback interface, which other
    //   silos on a developer's machine may not reach; advertise AdvertisedIP (127.0.0.1 unless configured) instead.
    private static ISiloBuilder UseConfiguredClustering(this ISiloBuilder builder, SiloHostingOptions options)
    {
        if (options.KeyedRedisConnection is var (serviceKey, connectionString))
            builder.Services.AddKeyedSingleton<IConnectionMultiplexer>(serviceKey, (_, _) => ConnectionMultiplexer.Connect(connectionString));
        builder.Services.Configure<EndpointOptions>(o => o.AdvertisedIPAddress ??= options.AdvertisedIP);
        return builder;
    }
}
