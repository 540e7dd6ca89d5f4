using System.Net;
using System.Net.Sockets;

namespace Autograd.Cluster.Testing;

/// <summary>Ports on 127.0.0.1: free ones to hand to the processes a test starts, and waiting for one to listen.</summary>
public static class LoopbackPorts
{
    /// <summary>Distinct loopback ports free right now (all bound at once, so none repeats).</summary>
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var l in listeners) l.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }

    /// <summary>
    /// Waits until something accepts TCP connections on loopback <paramref name="port"/>; throws the last
    /// <see cref="SocketException"/> once <paramref name="timeout"/> has passed or <paramref name="gaveUp"/> returns true
    /// (the process that should listen has exited, say).
    /// </summary>
    public static async Task WaitForListenerAsync(int port, TimeSpan timeout, Func<bool> gaveUp, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !gaveUp())
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
