using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

public sealed class DataPlaneOptionsTests
{
    [Fact]
    public void From_NoKeys_IsOnWithAFreePortAndALocalSocketWith32MiBOfSharedMemoryOnLinux()
    {
        Assert.Equal(
            new DataPlaneOptions(true, 0, OperatingSystem.IsLinux(), OperatingSystem.IsLinux() ? 32L << 20 : 0), DataPlaneOptions.From(SiloHostingOptions.Read(Configuration())));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1024", 1L << 30)]
    public void From_SharedMemoryKey_SetsTheRegionOfEachLocalConnection(string mib, long bytes)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "shared memory goes with the local socket, on Linux only");
        var options = SiloHostingOptions.Read(Configuration((SiloHostingOptions.DataPlaneSharedMemoryMiBKey, mib)));

        Assert.Equal(bytes, DataPlaneOptions.From(options).SharedMemoryBytes);
    }

    [Fact]
    public void From_LocalSocketKeyFalse_KeepsTheDataPlaneOnTcpOnly()
    {
        var options = SiloHostingOptions.Read(Configuration((SiloHostingOptions.DataPlaneLocalSocketKey, "false")));

        // Shared regions are offered over the local socket only.
        Assert.Equal(new DataPlaneOptions(true, 0, LocalSocket: false, SharedMemoryBytes: 0), DataPlaneOptions.From(options));
    }

    [Fact]
    public void From_Keys_TurnItOffAndSetThePort()
    {
        var options = SiloHostingOptions.Read(Configuration((SiloHostingOptions.DataPlaneKey, "false"), (SiloHostingOptions.DataPlanePortKey, "11112")));

        Assert.Equal(new DataPlaneOptions(false, 11112, OperatingSystem.IsLinux(), OperatingSystem.IsLinux() ? 32L << 20 : 0), DataPlaneOptions.From(options));
    }

    [Theory]
    [InlineData(SiloHostingOptions.DataPlaneKey, "maybe", "is not true or false")]
    [InlineData(SiloHostingOptions.DataPlanePortKey, "70000", "is not a port")]
    [InlineData(SiloHostingOptions.DataPlaneLocalSocketKey, "yes", "is not true or false")]
    [InlineData(SiloHostingOptions.DataPlaneSharedMemoryMiBKey, "1025", "is not a whole number from 0 to 1024")]
    [InlineData(SiloHostingOptions.DataPlaneSharedMemoryMiBKey, "-1", "is not a whole number from 0 to 1024")]
    [InlineData(SiloHostingOptions.DataPlaneSharedMemoryMiBKey, "64MB", "is not a whole number from 0 to 1024")]
    public void Read_BadValue_ThrowsNamingTheKey(string key, string value, string expected)
    {
        var e = Assert.Throws<InvalidOperationException>(() => SiloHostingOptions.Read(Configuration((key, value))));

        Assert.Contains($"configuration {key}", e.Message);
        Assert.Contains(expected, e.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
