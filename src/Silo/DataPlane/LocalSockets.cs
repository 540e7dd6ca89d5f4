using System.Net.Sockets;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// Names of the data plane's local sockets: Unix sockets in Linux's abstract namespace, written <c>@name</c> as
/// <c>ss</c> shows them. An abstract name belongs to the network namespace, not the file system: it leaves no file
/// behind when a silo is killed, and a silo in another pod (another namespace) cannot reach it even on the same node,
/// so a peer that connects to it is certainly co-located, and one that cannot falls back to TCP.
/// </summary>
internal static class LocalSockets
{
    private const string Prefix = "@autograd-dataplane-";

    /// <summary>
    /// Bytes in flight per direction of a local connection. A Unix stream socket has no buffer auto-tuning as TCP has:
    /// its default (net.core.wmem_default, ~208 KiB) wakes the reader every 208 KiB of a 2 MiB chunk; 1 MiB halved a
    /// 40 MB transfer's time here (the kernel caps it at net.core.wmem_max).
    /// </summary>
    public const int BufferBytes = 1 << 20;

    /// <summary>A fresh name for one start of one silo's data plane.</summary>
    public static string NewName() => Prefix + Guid.NewGuid().ToString("N");

    /// <summary>Whether <paramref name="name"/> is a local socket's name as <see cref="NewName"/> makes them.</summary>
    public static bool IsName(string? name) => name is { Length: > 0 } && name.StartsWith(Prefix, StringComparison.Ordinal) && name.Length <= 100;

    /// <summary>The end point of <paramref name="name"/> (its leading <c>@</c> is the abstract namespace's NUL byte).</summary>
    public static UnixDomainSocketEndPoint EndPoint(string name) => new("\0" + name[1..]);
}
