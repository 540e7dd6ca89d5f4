using Autograd.Cluster.Silo.Hosting;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

public sealed class SiloSlotsTests
{
    private static readonly Device[] TwoGpus = [Device.Cpu, Device.Cuda(0), Device.Cuda(1)];

    [Fact]
    public void PerSilo_CpuSilo_DefaultsToOne()
    {
        var slots = new SiloSlots(null, "cpu", Device.Cpu, [Device.Cpu]);

        Assert.Equal(1, slots.PerSilo);
        Assert.Equal(Device.Cpu, slots.DeviceFor(0));
    }

    [Fact]
    public void PerSilo_Configured_IsTaken()
    {
        var slots = new SiloSlots(" 3 ", "cpu", Device.Cpu, [Device.Cpu]);

        Assert.Equal(3, slots.PerSilo);
        Assert.All(Enumerable.Range(0, 3), k => Assert.Equal(Device.Cpu, slots.DeviceFor(k)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("two")]
    public void PerSilo_NotAPositiveInteger_StopsTheSiloNamingTheKey(string configured)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SiloSlots(configured, "cpu", Device.Cpu, [Device.Cpu]));

        Assert.Contains(SiloSlots.ConfigurationKey, error.Message);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("auto")]
    public void GpuSilo_OneSlotPerGpu_LocalRankPicksTheGpu(string configured)
    {
        var slots = new SiloSlots(null, configured, Device.Cuda(0), TwoGpus);

        Assert.Equal(2, slots.PerSilo);
        Assert.Equal(Device.Cuda(0), slots.DeviceFor(0));
        Assert.Equal(Device.Cuda(1), slots.DeviceFor(1));
        Assert.Equal(Device.Cuda(0), slots.DeviceFor(2));
    }

    [Fact]
    public void GpuSilo_PinnedDevice_HasOneSlotOnThatGpu()
    {
        var slots = new SiloSlots(null, "cuda:1", Device.Cuda(1), TwoGpus);

        Assert.Equal(1, slots.PerSilo);
        Assert.Equal(Device.Cuda(1), slots.DeviceFor(0));
        Assert.Equal(Device.Cuda(1), slots.DeviceFor(3));
    }

    [Fact]
    public void LocalRank_RoundRobinOverSilos_CountsTheJobsWorkersOnTheSilo()
    {
        // 6 workers over 3 silos: ranks 0 and 3 share a silo, as do 1 and 4, and 2 and 5.
        Assert.Equal([0, 0, 0, 1, 1, 1], Enumerable.Range(0, 6).Select(r => SiloSlots.LocalRank(r, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SiloSlots.LocalRank(0, 0));
    }
}
