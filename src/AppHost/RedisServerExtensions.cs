using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Autograd.Cluster.AppHost;

/// <summary>Adds a <see cref="RedisServerResource"/> to the app model.</summary>
public static class RedisServerExtensions
{
    /// <summary>The redis-server Debian's package installs (<c>.ci/run</c> installs it).</summary>
    public const string DefaultCommand = "/usr/bin/redis-server";

    /// <summary>
    /// Starts <paramref name="command"/> as a throwaway store (no snapshots, no append-only file, loopback only) on a
    /// port DCP allocates behind Aspire's proxy, healthy once it accepts a TCP connection, so that <c>WaitFor</c> holds
    /// the silos back until their membership store is up.
    /// </summary>
    public static IResourceBuilder<RedisServerResource> AddRedisServer(this IDistributedApplicationBuilder builder, string name, string command = DefaultCommand)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!File.Exists(command))
            throw new InvalidOperationException($"redis resource '{name}': {command} does not exist (apt-get install redis-server)");

        var resource = new RedisServerResource(name, command);
        string healthCheck = $"{name}-accepts-connections";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async cancellationToken =>
        {
            if (!resource.Endpoint.IsAllocated)
                return HealthCheckResult.Unhealthy("endpoint not allocated yet");
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(resource.Endpoint.Host, resource.Endpoint.Port, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        });

        return builder.AddResource(resource)
            .WithEndpoint(name: RedisServerResource.EndpointName, scheme: "tcp", isExternal: false)
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--save");
                context.Args.Add("");
                context.Args.Add("--appendonly");
                context.Args.Add("no");
            })
            .WithHealthCheck(healthCheck);
    }
}
