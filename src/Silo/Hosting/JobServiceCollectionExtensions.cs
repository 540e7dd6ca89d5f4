using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// The services a silo needs to admit and place jobs: its slots, the cluster's slots, the registered models, the
/// budget of uploaded datasets, the <see cref="TrainingLimits"/>.
/// </summary>
public static class JobServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="SiloSlots"/> (<c>Autograd:SlotsPerSilo</c>), <see cref="ClusterSlots"/> and the <see cref="ModelRegistry"/> (empty unless models were added with
    /// <see cref="ModelServiceCollectionExtensions.AddAutogradModel"/>). Called by <c>AddAutogradTraining</c>.
    /// </summary>
    public static IServiceCollection AddAutogradJobServices(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<SiloSlots>();
        services.TryAddSingleton<ClusterSlots>();
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton(provider => TrainingLimits.Read(provider.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<UploadBudget>();
        return services;
    }
}
