using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>What a silo host adds so that people and probes can see it: membership health, cross-silo traces, the Orleans dashboard.</summary>
public static class ObservabilityExtensions
{
    /// <summary>Configuration key with which Orleans itself turns on activity propagation (Aspire sets it to true).</summary>
    public const string OrleansDistributedTracingKey = "Orleans:EnableDistributedTracing";

    /// <summary>Adds the readiness check that the silo is an active member of its cluster (served at <c>/health</c>).</summary>
    public static TBuilder AddSiloHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks().AddCheck<ClusterMembershipHealthCheck>(ClusterMembershipHealthCheck.Name);
        return builder;
    }

    /// <summary>
    /// Carries <see cref="System.Diagnostics.Activity.Current"/> through grain calls, so that a worker's and a shard's spans
    /// are children of the coordinator's step span on another silo. Orleans adds the same grain call filters itself
    /// when <see cref="OrleansDistributedTracingKey"/> is true; adding them twice would record every call twice.
    /// </summary>
    public static ISiloBuilder AddTracing(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetValue<bool>(OrleansDistributedTracingKey) ? builder : builder.AddActivityPropagation();
    }

    /// <summary>Adds the Orleans dashboard's services when <see cref="SiloHostingOptions.OrleansDashboard"/> is on (off by default).</summary>
    public static ISiloBuilder AddDashboardIf(this ISiloBuilder builder, SiloHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return options.OrleansDashboard ? builder.AddDashboard() : builder;
    }
}
