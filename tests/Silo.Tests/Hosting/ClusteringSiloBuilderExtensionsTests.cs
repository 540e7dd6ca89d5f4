using System.Net;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

public sealed class ClusteringSiloBuilderExtensionsTests
{
    [Fact]
    public async Task SiloProgram_LocalhostClusteringWithoutIds_RunsAsTheDefaultDevCluster()
    {
        // Orleans:* keys but no Orleans:ClusterId: Orleans' own binding of that section used to leave the silo as cluster
        // "default", so a client of the documented default ("dev", the CLI's) was refused.
        var ct = TestContext.Current.CancellationToken;
        var ports = LoopbackPorts.Free(3);
        using var silo = ChildProcess.Start("silo", "dotnet", [RepositoryPaths.SiloAssembly], new Dictionary<string, string>
        {
            ["Orleans__ClusteringProvider"] = SiloHostingOptions.Localhost,
            ["Orleans__SiloPort"] = ports[0].ToString(),
            ["Orleans__GatewayPort"] = ports[1].ToString(),
            ["Autograd__HttpPort"] = ports[2].ToString(),
            ["Autograd__Device"] = "cpu",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await LoopbackPorts.WaitForListenerAsync(ports[1], TimeSpan.FromSeconds(60), () => silo.HasExited, ct);
        var defaults = new SiloHostingOptions();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        using var client = new HostBuilder()
            .UseOrleansClient(c => c
                .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, ports[1]))
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = defaults.ClusterId;
                    o.ServiceId = defaults.ServiceId;
                })
                // The gateway may listen before the silo is active; a wrong cluster id never stops failing.
                .UseConnectionRetryFilter(async (_, token) =>
                {
                    if (DateTime.UtcNow > deadline || silo.HasExited) return false;
                    await Task.Delay(250, token);
                    return true;
                }))
            .Build();

        await client.StartAsync(ct);
        var hosts = await ActiveSilosAsync(client);

        Assert.Single(hosts);
        await SiloProcessCluster.StopClientAsync(client);
    }

    private static Task<Dictionary<SiloAddress, SiloStatus>> ActiveSilosAsync(IHost client) =>
        client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
}
