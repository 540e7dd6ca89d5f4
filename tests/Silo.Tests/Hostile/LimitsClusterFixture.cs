using Autograd.Cluster.Silo.Hosting;
using Orleans.TestingHost;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hostile;

/// <summary>A <see cref="HostileCluster"/> with low limits: <see cref="MaxParameters"/>, <see cref="MaxUploadBytes"/>, <see cref="MaxJobs"/>.</summary>
public sealed class LimitsClusterFixture : IAsyncLifetime
{
    /// <summary>Above <see cref="Support.Specs.Mlp"/>'s 83 parameters, below a 6-100-3 MLP's 1003.</summary>
    public const long MaxParameters = 1000;

    /// <summary>Above 60 samples of 6 floats and a label (1920 bytes), below 400 of them.</summary>
    public const long MaxUploadBytes = 8192;

    public const int MaxJobs = 2;

    private InProcessTestCluster? _cluster;

    public IGrainFactory Grains => Cluster.Client;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public async ValueTask InitializeAsync() => _cluster = await HostileCluster.StartAsync(
        (TrainingLimits.MaxParametersPerJobKey, MaxParameters.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        (TrainingLimits.MaxUploadBytesKey, MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        (TrainingLimits.MaxConcurrentJobsKey, MaxJobs.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public async ValueTask DisposeAsync() => await HostileCluster.StopAsync(_cluster);
}
