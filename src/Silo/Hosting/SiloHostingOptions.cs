using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// Every configuration key the silo host reads to join a cluster, in one place: deployment manifests (environment
/// variables such as <c>Orleans__ClusteringProvider=redis</c>, standard .NET configuration) must set exactly these.
/// <see cref="Read"/> checks them all at startup and names the key at fault.
/// </summary>
/// <remarks>
/// The clustering choice is <c>Orleans:ClusteringProvider</c>, not <c>Orleans:Clustering</c>: Orleans itself reads the
/// <c>Orleans:Clustering</c> section (as <c>Orleans:Clustering:ProviderType</c>) and fails on a plain value there, so
/// <see cref="Read"/> rejects one with a message pointing here. Orleans also reads <c>Orleans:ClusterId</c> and
/// <c>Orleans:ServiceId</c>, with the same meaning as here.
/// </remarks>
public sealed record SiloHostingOptions
{
    /// <summary>Key of <see cref="Clustering"/>: <c>localhost</c> (the default) or <c>redis</c>.</summary>
    public const string ClusteringKey = "Orleans:ClusteringProvider";

    /// <summary>Orleans's own clustering section, which must not hold a plain value (see the remarks).</summary>
    public const string OrleansClusteringSectionKey = "Orleans:Clustering";

    /// <summary>Key of <see cref="RedisConnectionString"/> (env <c>ConnectionStrings__redis</c>); required with <c>redis</c> clustering.</summary>
    public const string RedisConnectionStringKey = "ConnectionStrings:redis";

    /// <summary>Key of <see cref="ClusterId"/>.</summary>
    public const string ClusterIdKey = "Orleans:ClusterId";

    /// <summary>Key of <see cref="ServiceId"/>.</summary>
    public const string ServiceIdKey = "Orleans:ServiceId";

    /// <summary>Key of <see cref="SiloPort"/>.</summary>
    public const string SiloPortKey = "Orleans:SiloPort";

    /// <summary>Key of <see cref="GatewayPort"/>.</summary>
    public const string GatewayPortKey = "Orleans:GatewayPort";

    /// <summary>Key of <see cref="AdvertisedIP"/>.</summary>
    public const string AdvertisedIPKey = "Orleans:AdvertisedIP";

    /// <summary>Value of <see cref="ClusteringKey"/> for a single-host cluster with an in-memory membership table.</summary>
    public const string Localhost = "localhost";

    /// <summary>Value of <see cref="ClusteringKey"/> for a membership table in Redis, shared by silos in any process or host.</summary>
    public const string Redis = "redis";

    /// <summary>How silos find each other: <see cref="Localhost"/> or <see cref="Redis"/>.</summary>
    public string Clustering { get; init; } = Localhost;

    /// <summary>StackExchange.Redis connection string of the membership store (e.g. <c>redis:6379</c>); null with localhost clustering.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary>The cluster's id: silos and clients with the same id (and store) form one cluster. Default <c>dev</c>.</summary>
    public string ClusterId { get; init; } = "dev";

    /// <summary>The service's id, stable across deployments of the cluster. Default <c>dev</c>.</summary>
    public string ServiceId { get; init; } = "dev";

    /// <summary>Port for silo-to-silo traffic. Default 11111.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Port clients connect to. Default 30000.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>
    /// The address other silos and clients reach this silo at (with Redis clustering; localhost clustering always uses
    /// loopback). Default <c>127.0.0.1</c>. A non-loopback address (a pod IP) makes the silo listen on every interface.
    /// </summary>
    public IPAddress AdvertisedIP { get; init; } = IPAddress.Loopback;

    /// <summary>Reads and checks every key; a missing key keeps its default.</summary>
    /// <exception cref="InvalidOperationException">A value is malformed or a required one is missing; the message names the key.</exception>
    public static SiloHostingOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var defaults = new SiloHostingOptions();
        if (Value(configuration, OrleansClusteringSectionKey) is { } misplaced)
            throw Invalid(OrleansClusteringSectionKey, $"'{misplaced}' belongs in {ClusteringKey} (environment variable Orleans__ClusteringProvider): Orleans reads {OrleansClusteringSectionKey} as a provider section");
        string clustering = (Value(configuration, ClusteringKey) ?? defaults.Clustering).ToLowerInvariant();
        if (clustering is not (Localhost or Redis))
            throw Invalid(ClusteringKey, $"'{configuration[ClusteringKey]}' is not a clustering: use '{Localhost}' or '{Redis}'");

        string? redis = Value(configuration, RedisConnectionStringKey);
        if (clustering == Redis && redis is null)
            throw Invalid(RedisConnectionStringKey, $"is required with {ClusteringKey}={Redis} (environment variable ConnectionStrings__redis)");

        string? ip = Value(configuration, AdvertisedIPKey);
        IPAddress? advertised = null;
        if (ip is not null && !IPAddress.TryParse(ip, out advertised))
            throw Invalid(AdvertisedIPKey, $"'{ip}' is not an IP address");

        var options = new SiloHostingOptions
        {
            Clustering = clustering,
            RedisConnectionString = clustering == Redis ? redis : null,
            ClusterId = Value(configuration, ClusterIdKey) ?? defaults.ClusterId,
            ServiceId = Value(configuration, ServiceIdKey) ?? defaults.ServiceId,
            SiloPort = Port(configuration, SiloPortKey, defaults.SiloPort),
            GatewayPort = Port(configuration, GatewayPortKey, defaults.GatewayPort),
            AdvertisedIP = advertised ?? defaults.AdvertisedIP,
        };
        if (options.SiloPort == options.GatewayPort)
            throw Invalid(GatewayPortKey, $"{options.GatewayPort} is also {SiloPortKey}: the two need distinct ports");
        return options;
    }

    // An empty value (an env var set to "") counts as missing, so it takes the default or fails as required.
    private static string? Value(IConfiguration configuration, string key) =>
        string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();

    private static int Port(IConfiguration configuration, string key, int fallback)
    {
        string? text = Value(configuration, key);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw Invalid(key, $"'{text}' is not a port (1-65535)");
        return port;
    }

    private static InvalidOperationException Invalid(string key, string problem) => new($"configuration {key}: {problem}");
}
