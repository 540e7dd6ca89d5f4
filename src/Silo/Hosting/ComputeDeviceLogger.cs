using Microsoft.Extensions.Hosting;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>Resolves <see cref="ComputeDevice"/> when the host starts, so the device is checked and logged at startup rather than at the first job.</summary>
internal sealed class ComputeDeviceLogger(ComputeDevice device) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = device.Device;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
