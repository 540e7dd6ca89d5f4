using System.Net.Security;
using System.Net.Sockets;
using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The stream a data-plane connection runs over: the plain socket, or, when the silo runs mutual TLS
/// (<see cref="TlsSettings.Enabled"/>), an <see cref="SslStream"/> authenticated with the same certificate and
/// authority as Orleans' own connections, so the data plane never opens a route around the cluster's TLS.
/// </summary>
internal static class DataPlaneStreams
{
    /// <summary>The accepting side's stream for <paramref name="socket"/> (owns the socket).</summary>
    public static async Task<Stream> AcceptAsync(Socket socket, TlsSettings tls, CancellationToken cancellationToken)
    {
        Tune(socket);
        var stream = new NetworkStream(socket, ownsSocket: true);
        if (!tls.Enabled) return stream;
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(tls.CreateServerOptions(), cancellationToken);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>The connecting side's stream for <paramref name="socket"/> (owns the socket).</summary>
    public static async Task<Stream> ConnectAsync(Socket socket, TlsSettings tls, CancellationToken cancellationToken)
    {
        Tune(socket);
        var stream = new NetworkStream(socket, ownsSocket: true);
        if (!tls.Enabled) return stream;
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(tls.CreateClientOptions(), cancellationToken);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    // TCP: headers are small and answered at once, so no Nagle delay; buffer sizes stay the kernel's (setting them on
    // Linux turns off TCP's buffer auto-tuning and caps them at net.core.[rw]mem_max, ~208 KiB by default). A Unix
    // socket has neither Nagle nor auto-tuning: its buffers are set (LocalSockets.BufferBytes says why).
    private static void Tune(Socket socket)
    {
        if (socket.AddressFamily == AddressFamily.Unix)
        {
            socket.SendBufferSize = LocalSockets.BufferBytes;
            socket.ReceiveBufferSize = LocalSockets.BufferBytes;
        }
        else
        {
            socket.NoDelay = true;
        }
    }
}
