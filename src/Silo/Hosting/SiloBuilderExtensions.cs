using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>Adds what the training grains need to a silo.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// The engine device (<c>Autograd:Device</c>, checked and logged at startup), the silo's dataset cache, the
    /// placement that spreads a job's workers and shards over silos, and the clock the coordinator times steps with.
    /// </summary>
    public static ISiloBuilder AddAutogradTraining(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ComputeDevice>();
        builder.Services.AddHostedService<ComputeDeviceLogger>();
        builder.Services.AddSingleton<DatasetProvider>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddPlacementDirector<SpreadPlacementStrategy, SpreadPlacementDirector>();
        return builder;
    }
}
