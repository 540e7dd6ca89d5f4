using System.Globalization;
using System.Net.Sockets;

namespace Autograd.Cluster.Testing;

/// <summary>
/// A private <c>redis-server</c> (Debian's, at <see cref="Executable"/>) on a free loopback port, keeping nothing on
/// disk; killed on dispose.
/// </summary>
public sealed class RedisServer : IDisposable
{
    /// <summary>Where Debian's redis-server package installs the server.</summary>
    public const string Executable = "/usr/bin/redis-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private RedisServer(int port, ChildProcess process)
    {
        Port = port;
        Process = process;
    }

    /// <summary>Whether <see cref="Executable"/> exists; without it, tests that need Redis skip with <see cref="NotInstalledReason"/>.</summary>
    public static bool IsInstalled => File.Exists(Executable);

    /// <summary>Why a test that needs Redis cannot run here.</summary>
    public static string NotInstalledReason => $"{Executable} is not installed (.ci/run installs the redis-server package)";

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string: <c>127.0.0.1:port</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The server's process.</summary>
    public ChildProcess Process { get; }

    /// <summary>Starts the server and returns once it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">The server is not installed, or did not accept connections within 10 s (the message holds its output).</exception>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        if (!IsInstalled) throw new InvalidOperationException(NotInstalledReason);
        int port = LoopbackPorts.Free(1)[0];
        var process = ChildProcess.Start(
            "redis-server", Executable, ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        try
        {
            await LoopbackPorts.WaitForListenerAsync(port, StartTimeout, () => process.HasExited, cancellationToken);
            return new RedisServer(port, process);
        }
        catch (SocketException e)
        {
            string output = process.Output();
            process.Dispose();
            throw new InvalidOperationException($"redis-server did not accept connections on port {port}{Environment.NewLine}{output}", e);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>The server's output tail, for failure messages.</summary>
    public string Output() => Process.Output();

    /// <summary>Kills the server.</summary>
    public void Dispose() => Process.Dispose();
}
