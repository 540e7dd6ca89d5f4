using Autograd.Cluster.Silo.Training;
using Autograd.NN;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>Registers models a job spec can name as a layer type (see <see cref="ModelRegistration"/>).</summary>
public static class ModelServiceCollectionExtensions
{
    /// <summary>
    /// Lets job specs use <paramref name="name"/> as a layer type: <c>{ "type": "resnet-tiny", "args": { "classes": "10" } }</c>.
    /// <paramref name="factory"/> reads the layer's arguments (refusals name <c>model.layers[i].arg</c>; arguments it never
    /// reads are refused) and gets the rank's dropout generator. Register the same models on every silo.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="name">The layer type a spec names the model by.</param>
    /// <param name="factory">Builds the model from its arguments and the rank's dropout generator.</param>
    /// <param name="arguments">The argument names the model takes, listed when a spec gives one it does not.</param>
    public static IServiceCollection AddAutogradModel(
        this IServiceCollection services, string name, Func<LayerArguments, Generator, Module> factory, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(factory);
        services.AddSingleton(new ModelRegistration(name, factory, arguments));
        services.TryAddSingleton<ModelRegistry>();
        return services;
    }
}
