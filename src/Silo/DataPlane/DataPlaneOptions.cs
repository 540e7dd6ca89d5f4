using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The data plane's settings, from <see cref="SiloHostingOptions"/> (<c>Autograd:DataPlane</c>, <c>Autograd:DataPlanePort</c>,
/// <c>Autograd:DataPlaneLocalSocket</c>, <c>Autograd:DataPlaneSharedMemoryMiB</c>).
/// </summary>
/// <param name="Enabled">Whether the silo listens and its workers send remote shards' chunks over the data plane.</param>
/// <param name="Port">The listening port; 0 for a free one.</param>
/// <param name="LocalSocket">
/// Whether the silo also listens on an abstract Unix socket and its workers reach co-located silos through theirs
/// (<see cref="SiloHostingOptions.DataPlaneLocalSocket"/>).
/// </param>
/// <param name="SharedMemoryBytes">
/// The shared region each local connection offers (and whether this silo maps those offered to it): 0 for none
/// (<see cref="SiloHostingOptions.DataPlaneSharedMemoryMiB"/>).
/// </param>
public sealed record DataPlaneOptions(bool Enabled, int Port, bool LocalSocket = true, long SharedMemoryBytes = 0)
{
    /// <summary>
    /// The options <paramref name="hosting"/> asks for; off on a big-endian host, where raw float bytes would not match
    /// the peers'; no local socket but on Linux, the only system with an abstract socket namespace; shared memory only
    /// over a local socket.
    /// </summary>
    public static DataPlaneOptions From(SiloHostingOptions hosting)
    {
        ArgumentNullException.ThrowIfNull(hosting);
        bool local = hosting.DataPlaneLocalSocket && OperatingSystem.IsLinux();
        return new DataPlaneOptions(
            hosting.DataPlaneEnabled && BitConverter.IsLittleEndian, hosting.DataPlanePort, local, local ? hosting.DataPlaneSharedMemoryMiB * (1L << 20) : 0);
    }
}
