using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

public sealed class ComputeDeviceTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Device_Cpu_IsTheCpuBackend(string configured) =>
        Assert.Equal(Device.Cpu, Create(configured).Device);

    [Fact]
    public void Device_Unset_IsAuto() =>
        Assert.Equal(Device.Auto, Create(null).Device);

    [Fact]
    public void Device_NotADevice_NamesTheConfigurationKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Create("tpu"));

        Assert.StartsWith("configuration Autograd:Device: 'tpu' is not a device", error.Message);
    }

    [Fact]
    public void Device_Unavailable_NamesTheAvailableOnes()
    {
        if (Device.IsAvailable(Device.Cuda(7))) Assert.Skip("this machine has an eighth CUDA device");

        var error = Assert.Throws<InvalidOperationException>(() => Create("cuda:7"));

        Assert.Contains("device 'cuda:7' is not available in this process (available: cpu", error.Message);
    }

    private static ComputeDevice Create(string? configured)
    {
        var values = new Dictionary<string, string?> { [ComputeDevice.ConfigurationKey] = configured };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ComputeDevice(configuration, NullLogger<ComputeDevice>.Instance);
    }
}
