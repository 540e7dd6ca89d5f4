using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Orleans;

namespace Autograd.Cluster.AppHost;

/// <summary>
/// Orleans clustering in a <see cref="RedisServerResource"/>: injects exactly what Aspire's own
/// <c>WithClustering(resource)</c> would for a Redis resource (<c>Orleans__Clustering__ProviderType=Redis</c>,
/// <c>Orleans__Clustering__ServiceKey=&lt;name&gt;</c> and the reference that sets <c>ConnectionStrings__&lt;name&gt;</c>).
/// Aspire derives the provider type from the resource's type name, which would be <c>RedisServer</c> here: Orleans
/// registers its Redis provider as <c>Redis</c>.
/// </summary>
public sealed class RedisClustering(IResourceBuilder<RedisServerResource> redis) : IProviderConfiguration
{
    /// <summary>The provider type Orleans' Redis clustering package registers.</summary>
    public const string ProviderType = "Redis";

    /// <inheritdoc />
    public void ConfigureResource<T>(IResourceBuilder<T> resourceBuilder, string configurationSectionName) where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(resourceBuilder);
        string prefix = $"Orleans__{configurationSectionName.Replace(":", "__")}";
        resourceBuilder.WithEnvironment($"{prefix}__ProviderType", ProviderType);
        resourceBuilder.WithEnvironment($"{prefix}__ServiceKey", redis.Resource.Name);
        resourceBuilder.WithReference(redis);
    }
}
