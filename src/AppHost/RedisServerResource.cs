using Aspire.Hosting.ApplicationModel;

namespace Autograd.Cluster.AppHost;

/// <summary>
/// A <c>redis-server</c> process (Debian's <c>/usr/bin/redis-server</c>) on a port Aspire allocates: the cluster's
/// membership store on a machine without a container engine. Its connection string is the StackExchange.Redis form.
/// </summary>
public sealed class RedisServerResource(string name, string command) : ExecutableResource(name, command, Path.GetTempPath()), IResourceWithConnectionString
{
    /// <summary>Name of the endpoint redis-server listens on.</summary>
    public const string EndpointName = "tcp";

    /// <summary>The endpoint clients connect to.</summary>
    public EndpointReference Endpoint => field ??= new(this, EndpointName);

    /// <summary>
    /// <c>host:port,abortConnect=false</c>: a silo that starts before the server accepts connections keeps retrying
    /// instead of failing its start.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)},abortConnect=false");
}
