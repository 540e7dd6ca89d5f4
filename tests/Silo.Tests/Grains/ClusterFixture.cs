using Autograd.Cluster.Silo.Hosting;
using Orleans.TestingHost;
using Xunit;

[assembly: AssemblyFixture(typeof(Autograd.Cluster.Silo.Tests.Grains.ClusterFixture))]

namespace Autograd.Cluster.Silo.Tests.Grains;

/// <summary>One in-process cluster of <see cref="Silos"/> silos with the training grains, shared by every test of the assembly.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Silos = 3;

    private InProcessTestCluster? _cluster;

    public IGrainFactory Grains => Cluster.Client;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(Silos);
        builder.ConfigureSiloHost((_, host) => host.Configuration[ComputeDevice.ConfigurationKey] = "cpu");
        builder.ConfigureSilo((_, silo) => silo.AddAutogradTraining());
        builder.ConfigureSilo((_, silo) => silo.Services.AddAutogradModel(Training.ResidualMlp.TypeName, Training.ResidualMlp.Create, Training.ResidualMlp.Arguments));
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
