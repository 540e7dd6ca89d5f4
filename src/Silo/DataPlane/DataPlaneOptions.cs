using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>The data plane's settings, from <see cref="SiloHostingOptions"/> (<c>Autograd:DataPlane</c>, <c>Autograd:DataPlanePort</c>).</summary>
/// <param name="Enabled">Whether the silo listens and its workers send remote shards' chunks over the data plane.</param>
/// <param name="Port">The listening port; 0 for a free one.</param>
public sealed record DataPlaneOptions(bool Enabled, int Port)
{
    /// <summary>The options <paramref name="hosting"/> asks for; off on a big-endian host, where raw float bytes would not match the peers'.</summary>
    public static DataPlaneOptions From(SiloHostingOptions hosting)
    {
        ArgumentNullException.ThrowIfNull(hosting);
        return new DataPlaneOptions(hosting.DataPlaneEnabled && BitConverter.IsLittleEndian, hosting.DataPlanePort);
    }
}
