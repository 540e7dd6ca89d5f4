using Autograd.Cluster.Contracts;
using Autograd.Cluster.Silo.Hosting;
using Orleans.TestingHost;

namespace Autograd.Cluster.Silo.Tests.Hostile;

/// <summary>
/// A small in-process cluster of its own for the hostile-input tests: they count the cluster's active jobs and its
/// worker and shard activations, which the shared <see cref="Grains.ClusterFixture"/>'s other tests would disturb
/// (and over-limit settings would disturb them).
/// </summary>
internal static class HostileCluster
{
    public const int Silos = 2;

    public static async Task<InProcessTestCluster> StartAsync(params (string Key, string Value)[] configuration)
    {
        var builder = new InProcessTestClusterBuilder(Silos);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration[ComputeDevice.ConfigurationKey] = "cpu";
            foreach (var (key, value) in configuration) host.Configuration[key] = value;
        });
        builder.ConfigureSilo((_, silo) => silo.AddAutogradTraining());
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static async Task StopAsync(InProcessTestCluster? cluster)
    {
        if (cluster is null) return;
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }

    /// <summary>The activations of workers and parameter shards in the cluster, by grain type.</summary>
    public static async Task<int> MemberActivationsAsync(IGrainFactory grains)
    {
        var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics
            .Where(s => s.GrainType.Contains("WorkerGrain", StringComparison.Ordinal) || s.GrainType.Contains("ParameterShardGrain", StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);
    }

    /// <summary>Waits until no worker or shard is active (they deactivate when their job releases them); fails after a minute.</summary>
    public static async Task AssertNoMembersLeftAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        int active;
        while ((active = await MemberActivationsAsync(grains)) > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"{active} worker/shard activations are still alive a minute after every job ended");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Waits until the job registry counts no active job (an ended job is marked so just after its status is final).</summary>
    public static async Task WaitNoActiveJobsAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var registry = grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string[] active;
        while ((active = await registry.ActiveAsync()).Length > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"jobs still active in the registry: {string.Join(", ", active)}");
            await Task.Delay(50, cancellationToken);
        }
    }
}
