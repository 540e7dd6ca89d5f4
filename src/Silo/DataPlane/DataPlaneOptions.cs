using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The data plane's settings, from <see cref="SiloHostingOptions"/> (<c>Autograd:DataPlane</c>, <c>Autograd:DataPlanePort</c>,
/// <c>Autograd:DataPlaneLocalSocket</c>).
/// </summary>
/// <param name="Enabled">Whether the silo listens and its workers send remote shards' chunks over the data plane.</param>
/// <param name="Port">The listening port; 0 for a free one.</param>
/// <param name="LocalSocket">
/// Whether the silo also listens on an abstract Unix socket and its workers reach co-located silos through theirs
/// (<see cref="SiloHostingOptions.DataPlaneLocalSocket"/>).
/// </param>
public sealed record DataPlaneOptions(bool Enabled, int Port, bool LocalSocket = true)
{
    /// <summary>
    /// The options <paramref name="hosting"/> asks for; off on a big-endian host, where raw float bytes would not match
    /// the peers'; no local socket but on Linux, the only system with an abstract socket namespace.
    /// </summary>
    public static DataPlaneOptions From(SiloHostingOptions hosting)
    {
        ArgumentNullException.ThrowIfNull(hosting);
        return new DataPlaneOptions(
            hosting.DataPlaneEnabled && BitConverter.IsLittleEndian, hosting.DataPlanePort, hosting.DataPlaneLocalSocket && OperatingSystem.IsLinux());
    }
}
