using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The silo's gradient data-plane listener (a hosted service): a plain TCP server beside Orleans' messaging on which
/// workers of other silos send the gradient chunks of the shards this silo holds (<see cref="ServerConnection"/>).
/// It listens on <see cref="SiloHostingOptions.DataPlanePort"/> (0: a free port) at the silo's advertised address (on
/// every interface when that address is not loopback) and publishes <see cref="Endpoint"/>, which the shards report in
/// their <see cref="Contracts.Messages.ShardInfo"/>. Off (<see cref="Endpoint"/> null) with <c>Autograd:DataPlane=false</c>.
/// With <see cref="DataPlaneOptions.LocalSocket"/> it also listens on a Unix socket in Linux's abstract namespace
/// (<see cref="LocalEndpoint"/>, a fresh name each start), which only processes in this network namespace can reach:
/// workers of silos on the same host connect there, and the same frames skip the kernel's TCP/IP stack.
/// </summary>
public sealed partial class DataPlaneServer(
    DataPlaneOptions options, ILocalSiloDetails silo, IGrainFactory grains, TlsSettings tls, ILogger<DataPlaneServer> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>Open connections at most; more are closed as they arrive (a worker's silo needs one per remote silo).</summary>
    public const int MaxConnections = 256;

    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<ServerConnection, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Socket? _localListener;
    private Task? _accepting;
    private Task? _acceptingLocal;

    /// <summary>The answers this silo's connections owe their peers, which the shards send as they apply a chunk.</summary>
    public OwedAnswers Answers { get; } = new();

    /// <summary>This silo's active shards, which the connections hand chunks to directly.</summary>
    public LocalShards Shards { get; } = new();

    /// <summary>Where other silos reach this one's data plane (<c>address:port</c>); null while it is off or not started.</summary>
    public string? Endpoint { get; private set; }

    /// <summary>
    /// The abstract Unix socket co-located silos reach this one's data plane at, as <see cref="LocalSockets"/> writes it
    /// (<c>@autograd-dataplane-…</c>); null while the data plane or its local socket is off, or not started.
    /// </summary>
    public string? LocalEndpoint { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled) return Task.CompletedTask;
        var advertised = silo.SiloAddress.Endpoint.Address;
        var listen = IPAddress.IsLoopback(advertised) ? advertised : advertised.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(listen, options.Port));
            listener.Listen(128);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new InvalidOperationException($"configuration {SiloHostingOptions.DataPlanePortKey}: cannot listen on {listen}:{options.Port}: {e.Message}", e);
        }

        _listener = listener;
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        Endpoint = new IPEndPoint(advertised, port).ToString();
        LogListening(logger, Endpoint, tls.Enabled);
        _accepting = AcceptAsync(listener, _stopping.Token);
        if (options.LocalSocket) ListenLocally();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _listener?.Dispose();
        _localListener?.Dispose();
        Endpoint = null;
        LocalEndpoint = null;
        foreach (var connection in _connections.Keys) await connection.DisposeAsync();
        if (_accepting is { } accepting) await accepting.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_acceptingLocal is { } acceptingLocal) await acceptingLocal.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_connections.Values).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    // A silo without its local socket still serves every peer over TCP: the socket is a shortcut, never a requirement.
    private void ListenLocally()
    {
        string name = LocalSockets.NewName();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(LocalSockets.EndPoint(name));
            listener.Listen(128);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            LogLocalSocketUnavailable(logger, e.Message);
            return;
        }

        _localListener = listener;
        LocalEndpoint = name;
        LogListeningLocally(logger, name);
        _acceptingLocal = AcceptAsync(listener, _stopping.Token);
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested) return;
                continue;
            }

            if (_connections.Count >= MaxConnections)
            {
                socket.Dispose();
                continue;
            }

            _ = ServeAsync(socket, stopping);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        string peer = socket.AddressFamily == AddressFamily.Unix ? "a local socket" : socket.RemoteEndPoint?.ToString() ?? "?";
        Stream stream;
        try
        {
            // A peer that connects and never completes its TLS handshake must not hold the socket.
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            handshake.CancelAfter(HandshakeTimeout);
            stream = await DataPlaneStreams.AcceptAsync(socket, tls, handshake.Token);
        }
        catch (Exception e)
        {
            socket.Dispose();
            LogHandshakeFailed(logger, peer, e.Message);
            return;
        }

        // Shared regions only from co-located workers: a TCP peer may be on another host, whose /dev/shm is not this one's.
        bool mapsRegions = options.SharedMemoryBytes > 0 && socket.AddressFamily == AddressFamily.Unix;
        var connection = new ServerConnection(stream, grains, Shards, Answers, logger, peer, mapsRegions);
        var run = connection.RunAsync(stopping);
        _connections[connection] = run;
        try
        {
            await run;
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data plane listening at {Endpoint} (TLS {Tls})")]
    private static partial void LogListening(ILogger logger, string endpoint, bool tls);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data plane listening for co-located silos at the local socket {Name}")]
    private static partial void LogListeningLocally(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data plane: no local socket ({Reason}); co-located silos connect over TCP")]
    private static partial void LogLocalSocketUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data plane: connection from {Peer} refused at its handshake: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string peer, string reason);
}
