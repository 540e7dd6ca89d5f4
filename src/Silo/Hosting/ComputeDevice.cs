using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// The engine device this silo's workers train on, from configuration <c>Autograd:Device</c>
/// (<c>auto</c>, <c>cpu</c>, <c>cuda[:i]</c>, <c>opencl[:i]</c>, <c>ilgpu-cpu</c>; default <c>auto</c>: the first
/// CUDA device, else OpenCL, else the CPU). A device this process cannot use stops the silo at startup.
/// </summary>
public sealed class ComputeDevice
{
    public const string ConfigurationKey = "Autograd:Device";

    public ComputeDevice(IConfiguration configuration, ILogger<ComputeDevice> logger)
    {
        string text = configuration[ConfigurationKey] ?? "auto";
        Device device;
        try
        {
            device = Device.Parse(text);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"configuration {ConfigurationKey}: {e.Message}", e);
        }

        if (!Device.IsAvailable(device))
            throw new InvalidOperationException($"configuration {ConfigurationKey}: device '{text}' is not available in this process (available: {string.Join(", ", Device.Available)})");
        Device = device;
        logger.LogInformation("Autograd device: {Device} (configured '{Configured}')", device, text);
    }

    public Device Device { get; }
}
