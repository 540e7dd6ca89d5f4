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
/// <para>
/// A third way to join a cluster is the one .NET Aspire describes: <c>Orleans:Clustering:ProviderType</c> (with
/// <c>Orleans:Clustering:ServiceKey</c>, <c>ConnectionStrings:&lt;key&gt;</c>, <c>Orleans:Endpoints:SiloPort</c> and
/// <c>Orleans:Endpoints:GatewayPort</c>), which Orleans reads itself through its registered provider builders. When
/// that key is present <see cref="Clustering"/> is <see cref="Configured"/> and the silo leaves clustering and ports
/// to Orleans, adding only what Aspire's wiring lacks (see <see cref="ClusteringSiloBuilderExtensions"/>).
/// </para>
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

    /// <summary>Orleans's own clustering provider key, as Aspire's <c>WithClustering</c> injects it (<c>Redis</c>, <c>Development</c>, ...).</summary>
    public const string OrleansClusteringProviderTypeKey = "Orleans:Clustering:ProviderType";

    /// <summary>The name under which Aspire's <c>WithClustering</c> passes the clustering store's connection (<c>ConnectionStrings:&lt;name&gt;</c>).</summary>
    public const string OrleansClusteringServiceKeyKey = "Orleans:Clustering:ServiceKey";

    /// <summary>Key of <see cref="HttpPort"/> (env <c>Autograd__HttpPort</c>): where <c>/health</c>, <c>/alive</c> and the optional Orleans dashboard are served.</summary>
    public const string HttpPortKey = "Autograd:HttpPort";

    /// <summary>Key of <see cref="OrleansDashboard"/> (env <c>Autograd__OrleansDashboard</c>): <c>true</c> or <c>false</c>.</summary>
    public const string OrleansDashboardKey = "Autograd:OrleansDashboard";

    /// <summary>Key of <see cref="DataPlaneEnabled"/> (env <c>Autograd__DataPlane</c>): <c>true</c> (the default) or <c>false</c>.</summary>
    public const string DataPlaneKey = "Autograd:DataPlane";

    /// <summary>Key of <see cref="DataPlanePort"/> (env <c>Autograd__DataPlanePort</c>).</summary>
    public const string DataPlanePortKey = "Autograd:DataPlanePort";

    /// <summary>Key of <see cref="DataPlaneLocalSocket"/> (env <c>Autograd__DataPlaneLocalSocket</c>): <c>true</c> (the default) or <c>false</c>.</summary>
    public const string DataPlaneLocalSocketKey = "Autograd:DataPlaneLocalSocket";

    /// <summary>Key of <see cref="DataPlaneSharedMemoryMiB"/> (env <c>Autograd__DataPlaneSharedMemoryMiB</c>): 0 (off) to 1024.</summary>
    public const string DataPlaneSharedMemoryMiBKey = "Autograd:DataPlaneSharedMemoryMiB";

    /// <summary>Value of <see cref="ClusteringKey"/> for a single-host cluster with an in-memory membership table.</summary>
    public const string Localhost = "localhost";

    /// <summary>Value of <see cref="ClusteringKey"/> for a membership table in Redis, shared by silos in any process or host.</summary>
    public const string Redis = "redis";

    /// <summary>
    /// <see cref="Clustering"/> when <c>Orleans:Clustering:ProviderType</c> is set (Aspire): Orleans configures
    /// clustering, ids and ports from its own keys. Not a value <see cref="ClusteringKey"/> accepts.
    /// </summary>
    public const string Configured = "orleans-configuration";

    /// <summary>How silos find each other: <see cref="Localhost"/>, <see cref="Redis"/> or <see cref="Configured"/>.</summary>
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

    /// <summary>
    /// With <see cref="Configured"/> clustering: the value of <c>Orleans:Clustering:ServiceKey</c> and the connection string
    /// <c>ConnectionStrings:&lt;ServiceKey&gt;</c>, for which the silo registers the keyed Redis connection Orleans' Redis
    /// provider resolves (Aspire's client integration would register it; the silo does it without that package).
    /// </summary>
    public (string ServiceKey, string ConnectionString)? KeyedRedisConnection { get; init; }

    /// <summary>
    /// The silo's HTTP port (health endpoints, Orleans dashboard). Default 0: a free port the OS picks, so that several
    /// silos on one host never collide; deployments that probe it set it (Kubernetes: 8080).
    /// </summary>
    public int HttpPort { get; init; }

    /// <summary>Where the HTTP endpoint listens: loopback for a loopback <see cref="AdvertisedIP"/>, every interface otherwise.</summary>
    public IPAddress HttpListenAddress => IPAddress.IsLoopback(AdvertisedIP) ? IPAddress.Loopback : IPAddress.Any;

    /// <summary>Whether the silo serves the Orleans dashboard at <c>/dashboard</c> on <see cref="HttpPort"/>. Default false.</summary>
    public bool OrleansDashboard { get; init; }

    /// <summary>
    /// Whether workers send gradient chunks for shards on other silos over the silo's gradient data plane (raw TCP,
    /// <see cref="Autograd.Cluster.Silo.DataPlane.DataPlaneServer"/>) instead of grain calls. Default true; false keeps every chunk on grain calls.
    /// </summary>
    public bool DataPlaneEnabled { get; init; } = true;

    /// <summary>
    /// The gradient data plane's TCP port. Default 0: a free port the OS picks (the shards tell workers where it is),
    /// so several silos on one host never collide; deployments with a NetworkPolicy set it (Kubernetes: 11112).
    /// </summary>
    public int DataPlanePort { get; init; }

    /// <summary>
    /// Whether the data plane also listens on a Unix socket in Linux's abstract namespace, which only processes in the
    /// silo's own network namespace (the same host, or the same pod) can reach, and workers there connect to it instead
    /// of the TCP port: the kernel's loopback TCP is the data plane's largest cost between co-located silos. Default
    /// true; off elsewhere than on Linux, and with the data plane.
    /// </summary>
    public bool DataPlaneLocalSocket { get; init; } = true;

    /// <summary>
    /// The shared memory (MiB of <c>/dev/shm</c>) each local-socket connection of a worker's silo offers the co-located
    /// silo it sends to: chunks and answers are then written into memory both processes map, and the socket carries
    /// only their headers (no copy into the kernel and out again). A silo maps the regions its peers offer unless this
    /// is 0. The region's memory is taken when the connection opens (one per pair of co-located silos and direction);
    /// chunks that find no room in it go over the socket. Default 32 (a step's chunks to one silo, up to 8M floats,
    /// fit); only with <see cref="DataPlaneLocalSocket"/>.
    /// </summary>
    public int DataPlaneSharedMemoryMiB { get; init; } = 32;

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
        if (Value(configuration, OrleansClusteringProviderTypeKey) is { } providerType)
        {
            if (Value(configuration, ClusteringKey) is { } chosen)
                throw Invalid(ClusteringKey, $"'{chosen}' conflicts with {OrleansClusteringProviderTypeKey}='{providerType}': set one of the two");
            return ReadConfigured(configuration, providerType, defaults);
        }

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
            HttpPort = Port(configuration, HttpPortKey, defaults.HttpPort, allowZero: true),
            OrleansDashboard = Flag(configuration, OrleansDashboardKey),
            DataPlaneEnabled = Flag(configuration, DataPlaneKey, defaults.DataPlaneEnabled),
            DataPlanePort = Port(configuration, DataPlanePortKey, defaults.DataPlanePort, allowZero: true),
            DataPlaneLocalSocket = Flag(configuration, DataPlaneLocalSocketKey, defaults.DataPlaneLocalSocket),
            DataPlaneSharedMemoryMiB = (int)ConfigurationNumber.Read(configuration, DataPlaneSharedMemoryMiBKey, defaults.DataPlaneSharedMemoryMiB, 0, 1024),
        };
        if (options.SiloPort == options.GatewayPort)
            throw Invalid(GatewayPortKey, $"{options.GatewayPort} is also {SiloPortKey}: the two need distinct ports");
        return options;
    }

    // Orleans reads its own keys (ids, Orleans:Endpoints:*, the provider's section) in this mode; only the keys Orleans
    // does not read are checked here, plus the connection string a Redis provider will look up by its service key.
    private static SiloHostingOptions ReadConfigured(IConfiguration configuration, string providerType, SiloHostingOptions defaults)
    {
        (string, string)? keyed = null;
        if (Value(configuration, OrleansClusteringServiceKeyKey) is { } serviceKey
            && string.Equals(providerType, "Redis", StringComparison.OrdinalIgnoreCase))
        {
            string connectionKey = $"ConnectionStrings:{serviceKey}";
            keyed = (serviceKey, Value(configuration, connectionKey)
                ?? throw Invalid(connectionKey, $"is required by {OrleansClusteringServiceKeyKey}='{serviceKey}' with {OrleansClusteringProviderTypeKey}='{providerType}'"));
        }

        string? ip = Value(configuration, AdvertisedIPKey);
        IPAddress? advertised = null;
        if (ip is not null && !IPAddress.TryParse(ip, out advertised))
            throw Invalid(AdvertisedIPKey, $"'{ip}' is not an IP address");
        return new SiloHostingOptions
        {
            Clustering = Configured,
            KeyedRedisConnection = keyed,
            ClusterId = Value(configuration, ClusterIdKey) ?? defaults.ClusterId,
            ServiceId = Value(configuration, ServiceIdKey) ?? defaults.ServiceId,
            AdvertisedIP = advertised ?? defaults.AdvertisedIP,
            HttpPort = Port(configuration, HttpPortKey, defaults.HttpPort, allowZero: true),
            OrleansDashboard = Flag(configuration, OrleansDashboardKey),
            DataPlaneEnabled = Flag(configuration, DataPlaneKey, defaults.DataPlaneEnabled),
            DataPlanePort = Port(configuration, DataPlanePortKey, defaults.DataPlanePort, allowZero: true),
            DataPlaneLocalSocket = Flag(configuration, DataPlaneLocalSocketKey, defaults.DataPlaneLocalSocket),
            DataPlaneSharedMemoryMiB = (int)ConfigurationNumber.Read(configuration, DataPlaneSharedMemoryMiBKey, defaults.DataPlaneSharedMemoryMiB, 0, 1024),
        };
    }

    private static bool Flag(IConfiguration configuration, string key, bool fallback = false)
    {
        string? text = Value(configuration, key);
        if (text is null) return fallback;
        return bool.TryParse(text, out bool flag) ? flag : throw Invalid(key, $"'{text}' is not true or false");
    }

    // An empty value (an env var set to "") counts as missing, so it takes the default or fails as required.
    private static string? Value(IConfiguration configuration, string key) =>
        string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();

    private static int Port(IConfiguration configuration, string key, int fallback, bool allowZero = false)
    {
        string? text = Value(configuration, key);
        if (text is null) return fallback;
        int lowest = allowZero ? 0 : 1;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < lowest || port > 65535)
            throw Invalid(key, $"'{text}' is not a port ({lowest}-65535)");
        return port;
    }

    private static InvalidOperationException Invalid(string key, string problem) => new($"configuration {key}: {problem}");
}
