using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>Registers the gradient data plane in a silo.</summary>
public static class DataPlaneServiceCollectionExtensions
{
    /// <summary>
    /// The data plane's <see cref="DataPlaneOptions"/> (from <paramref name="hosting"/>), its <see cref="DataPlaneServer"/>
    /// (a hosted service, idle when the data plane is off) and the <see cref="DataPlaneClient"/> workers send through.
    /// </summary>
    public static IServiceCollection AddGradientDataPlane(this IServiceCollection services, SiloHostingOptions hosting)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(DataPlaneOptions.From(hosting));
        services.TryAddSingleton(TlsSettings.Disabled);
        services.AddSingleton<DataPlaneServer>();
        services.AddHostedService(provider => provider.GetRequiredService<DataPlaneServer>());
        services.AddSingleton<DataPlaneClient>();
        return services;
    }
}
