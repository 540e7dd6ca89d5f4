using System.Net;
using System.Text.RegularExpressions;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.MultiProcess;

/// <summary>
/// A real cluster (<see cref="SiloProcessCluster"/>): a private <c>redis-server</c> on a free loopback port as the
/// membership table, <see cref="Silos"/> silo processes and an Orleans client, as a test fixture. Everything it starts
/// is killed on dispose. Without <c>/usr/bin/redis-server</c> every test that uses it is skipped, visibly.
/// </summary>
public sealed partial class RedisSiloCluster : IAsyncLifetime
{
    public const int Silos = 3;
    private static readonly TimeSpan ClusterFormTimeout = TimeSpan.FromSeconds(60);

    private SiloProcessCluster? _cluster;
    private string? _skipReason;

    public IGrainFactory Grains => Cluster.Grains;

    private SiloProcessCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public async ValueTask InitializeAsync()
    {
        if (!RedisServer.IsInstalled)
        {
            _skipReason = RedisServer.NotInstalledReason;
            return;
        }

        // On failure StartAsync leaves no process behind, whether or not the runner disposes the fixture.
        _cluster = await SiloProcessCluster.StartAsync(
            new SiloProcessClusterOptions { Silos = Silos, ServiceId = "autograd-tests", ClusterIdPrefix = "test", StartTimeout = ClusterFormTimeout },
            TestContext.Current.CancellationToken);
    }

    /// <summary>Skips the calling test, visibly, when the cluster could not be set up for lack of Redis.</summary>
    public void SkipUnlessAvailable()
    {
        if (_skipReason is not null) Assert.Skip(_skipReason);
    }

    /// <summary>The process of the silo at <paramref name="siloAddress"/> (as <c>SiloAddress.ToString()</c> writes it: <c>S127.0.0.1:port:generation</c>).</summary>
    public ChildProcess ProcessOf(string siloAddress) => SiloAt(siloAddress).Process;

    /// <summary>
    /// A second client (started; the caller disposes it) whose only gateway is the silo at <paramref name="siloAddress"/>:
    /// calls through it keep working while another silo dies, whereas the Redis-listed client may have picked the dead
    /// silo as its gateway and keeps it until membership declares the silo dead (tens of seconds with the defaults).
    /// </summary>
    public async Task<IHost> ConnectThroughAsync(string siloAddress)
    {
        int gateway = SiloAt(siloAddress).GatewayPort;
        var client = new HostBuilder()
            .UseOrleansClient(c => c
                .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gateway))
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = Cluster.ClusterId;
                    o.ServiceId = Cluster.ServiceId;
                }))
            .Build();
        await client.StartAsync(TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>Stops a client within a few seconds, whether or not its gateway still answers.</summary>
    public static Task StopClientAsync(IHost client) => SiloProcessCluster.StopClientAsync(client);

    /// <summary>Every process's output tail, for failure messages.</summary>
    public string Output() => _cluster?.Output() ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        _cluster = null;
    }

    private SiloProcess SiloAt(string siloAddress)
    {
        var match = SiloAddressPattern().Match(siloAddress);
        int port = match.Success ? int.Parse(match.Groups[1].Value) : -1;
        return Cluster.Silos.FirstOrDefault(s => s.SiloPort == port)
            ?? throw new InvalidOperationException($"no silo process of this cluster has the address {siloAddress}");
    }

    [GeneratedRegex(@"^S[^:]+:(\d+):")]
    private static partial Regex SiloAddressPattern();
}
