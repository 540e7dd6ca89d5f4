using Autograd.Cluster.Silo.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Telemetry;

/// <summary>The sampler as a host runs it: registered once, started and stopped with the host.</summary>
public sealed class ProcessHealthExtensionsTests
{
    [Fact]
    public async Task AddProcessHealth_HostRuns_SamplerIsAHostedServiceThatSamples()
    {
        // Empty: no console logger to print a line every 100 ms into the test output.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddProcessHealth(new ProcessHealthOptions { SampleInterval = TimeSpan.FromMilliseconds(100), ProbeInterval = TimeSpan.FromMilliseconds(20) });
        using var host = builder.Build();
        var sampler = host.Services.GetRequiredService<ProcessHealthSampler>();
        // Bounds the waits below if the sampler never samples (the test then fails instead of hanging).
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var cancel = timeout.Token;

        Assert.Contains(sampler, host.Services.GetServices<IHostedService>());
        await host.StartAsync(cancel);
        while (sampler.Latest is not { Sequence: >= 2 })
            await Task.Delay(20, cancel);
        await host.StopAsync(cancel);

        Assert.True(sampler.Latest.GcHeapBytes > 0);
    }

    [Fact]
    public void AddProcessHealth_Twice_RegistersOneSampler()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

        builder.AddProcessHealth().AddProcessHealth(new ProcessHealthOptions { SampleInterval = TimeSpan.FromSeconds(1) });
        using var host = builder.Build();

        Assert.Single(host.Services.GetServices<IHostedService>().OfType<ProcessHealthSampler>());
        Assert.Equal(TimeSpan.FromSeconds(10), host.Services.GetRequiredService<ProcessHealthOptions>().SampleInterval);
    }
}
