using System.Globalization;
using System.Net.Sockets;

namespace Autograd.Cluster.Testing;

/// <summary>
/// A private <c>redis-server</c> (Debian's, at <see cref="Executable"/>) on a free loopback port; killed on dispose.
/// By default it keeps nothing on disk. <see cref="StartPersistentAsync"/> starts one that appends every write to a
/// file in a data directory, synced before the write is answered (<c>appendonly yes</c>, <c>appendfsync always</c>):
/// after <see cref="Kill"/> (SIGKILL) <see cref="RestartAsync"/> starts it again on the same port with every answered
/// write, as a Redis with a persistent volume comes back.
/// </summary>
public sealed class RedisServer : IDisposable
{
    /// <summary>Where Debian's redis-server package installs the server.</summary>
    public const string Executable = "/usr/bin/redis-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly string[] _arguments;

    private RedisServer(int port, string[] arguments, ChildProcess process, string? dataDirectory)
    {
        Port = port;
        _arguments = arguments;
        Process = process;
        DataDirectory = dataDirectory;
    }

    /// <summary>Whether <see cref="Executable"/> exists; without it, tests that need Redis skip with <see cref="NotInstalledReason"/>.</summary>
    public static bool IsInstalled => File.Exists(Executable);

    /// <summary>Why a test that needs Redis cannot run here.</summary>
    public static string NotInstalledReason => $"{Executable} is not installed (.ci/run installs the redis-server package)";

    /// <summary>The loopback port it listens on (the same across restarts).</summary>
    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string: <c>127.0.0.1:port</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The server's current process (a new one after each <see cref="RestartAsync"/>).</summary>
    public ChildProcess Process { get; private set; }

    /// <summary>Where a persistent server keeps its append-only file; null for one that keeps nothing on disk.</summary>
    public string? DataDirectory { get; }

    /// <summary>Starts a server that keeps nothing on disk and returns once it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">The server is not installed, or did not accept connections within 10 s (the message holds its output).</exception>
    public static Task<RedisServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(null, ["--save", "", "--appendonly", "no"], cancellationToken);

    /// <summary>
    /// Starts a server whose every answered write is on disk in <paramref name="dataDirectory"/> (created if missing)
    /// before the answer, so that a <see cref="Kill"/> loses nothing; returns once it accepts connections.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is not installed, or did not accept connections within 10 s (the message holds its output).</exception>
    public static Task<RedisServer> StartPersistentAsync(string dataDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        return StartAsync(dataDirectory, ["--dir", dataDirectory, "--save", "", "--appendonly", "yes", "--appendfsync", "always"], cancellationToken);
    }

    /// <summary>SIGKILL to the server: no shutdown, no final save.</summary>
    public void Kill() => Process.Kill();

    /// <summary>
    /// Kills the server if it still runs, then starts it again on the same port with the same settings (a persistent
    /// one reloads its append-only file), and returns once it accepts connections.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Process.Dispose();
        Process = await LaunchAsync(Port, _arguments, cancellationToken);
    }

    /// <summary>The server's output tail, for failure messages.</summary>
    public string Output() => Process.Output();

    /// <summary>Kills the server (the data directory stays: its owner deletes it).</summary>
    public void Dispose() => Process.Dispose();

    private static async Task<RedisServer> StartAsync(string? dataDirectory, string[] settings, CancellationToken cancellationToken)
    {
        if (!IsInstalled) throw new InvalidOperationException(NotInstalledReason);
        int port = LoopbackPorts.Free(1)[0];
        string[] arguments = ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", .. settings];
        return new RedisServer(port, arguments, await LaunchAsync(port, arguments, cancellationToken), dataDirectory);
    }

    private static async Task<ChildProcess> LaunchAsync(int port, string[] arguments, CancellationToken cancellationToken)
    {
        var process = ChildProcess.Start("redis-server", Executable, arguments);
        try
        {
            await LoopbackPorts.WaitForListenerAsync(port, StartTimeout, () => process.HasExited, cancellationToken);
            return process;
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
}
