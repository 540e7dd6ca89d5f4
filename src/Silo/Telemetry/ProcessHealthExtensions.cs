using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>Adds the <see cref="ProcessHealthSampler"/> to a host.</summary>
public static class ProcessHealthExtensions
{
    /// <summary>
    /// Samples the process every 10 s into a <c>process-health {json}</c> log line (Information, category
    /// <c>Autograd.Cluster.Silo.Telemetry.ProcessHealthSampler</c>) and warns of thread-pool starvation (a probe queued
    /// every second that waited over 1 s). One per process: a host that runs several silos in one process needs it once.
    /// </summary>
    public static TBuilder AddProcessHealth<TBuilder>(this TBuilder builder, ProcessHealthOptions? options = null) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        options ??= new ProcessHealthOptions();
        options.Validate();
        // Once per process: a second sampler would double every line and probe.
        if (builder.Services.Any(d => d.ServiceType == typeof(ProcessHealthSampler))) return builder;
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ProcessHealthSampler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ProcessHealthSampler>());
        return builder;
    }
}
