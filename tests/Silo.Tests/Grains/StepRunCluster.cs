using Autograd.Cluster.Silo.Hosting;
using Orleans.Configuration;
using Orleans.TestingHost;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

/// <summary>
/// A 2-silo cluster whose coordinators ask for runs of exactly <see cref="MaxSteps"/> steps once the first one-step run
/// is done (a pace target of an hour, through the silos' configuration), so that where each run starts and ends is
/// known to the tests; Orleans' response timeout between its silos is <see cref="ResponseTimeout"/>, so that a run
/// can outlast it in a test.
/// </summary>
public sealed class StepRunCluster : IAsyncLifetime
{
    public const int MaxSteps = 4;

    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    private InProcessTestCluster? _cluster;

    public IGrainFactory Grains => (_cluster ?? throw new InvalidOperationException("the cluster has not started")).Client;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration[ComputeDevice.ConfigurationKey] = "cpu";
            host.Configuration[StepRunOptions.TargetMillisecondsKey] = $"{TimeSpan.FromHours(1).TotalMilliseconds}";
            host.Configuration[StepRunOptions.MaxStepsKey] = $"{MaxSteps}";
        });
        builder.ConfigureSilo((_, silo) => silo.AddAutogradTraining());
        builder.ConfigureSilo((_, silo) => silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
    }
}
