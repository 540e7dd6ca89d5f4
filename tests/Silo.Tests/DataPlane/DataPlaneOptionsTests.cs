using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

public sealed class DataPlaneOptionsTests
{
    [Fact]
    public void From_NoKeys_IsOnWithAFreePortAndALocalSocketOnLinux()
    {
        Assert.Equal(new DataPlaneOptions(true, 0, OperatingSystem.IsLinux()), DataPlaneOptions.From(SiloHostingOptions.Read(Configuration())));
    }

    [Fact]
    public void From_LocalSocketKeyFalse_KeepsTheDataPlaneOnTcpOnly()
    {
        var options = SiloHostingOptions.Read(Configuration((SiloHostingOptions.DataPlaneLocalSocketKey, "false")));

        Assert.Equal(new DataPlaneOptions(true, 0, LocalSocket: false), DataPlaneOptions.From(options));
    }

    [Fact]
    public void From_Keys_TurnItOffAndSetThePort()
    {
        var options = SiloHostingOptions.Read(Configuration((SiloHostingOptions.DataPlaneKey, "false"), (SiloHostingOptions.DataPlanePortKey, "11112")));

        Assert.Equal(new DataPlaneOptions(false, 11112, OperatingSystem.IsLinux()), DataPlaneOptions.From(options));
    }

    [Theory]
    [InlineData(SiloHostingOptions.DataPlaneKey, "maybe", "is not true or false")]
    [InlineData(SiloHostingOptions.DataPlanePortKey, "70000", "is not a port")]
    [InlineData(SiloHostingOptions.DataPlaneLocalSocketKey, "yes", "is not true or false")]
    public void Read_BadValue_ThrowsNamingTheKey(string key, string value, string expected)
    {
        var e = Assert.Throws<InvalidOperationException>(() => SiloHostingOptions.Read(Configuration((key, value))));

        Assert.Contains($"configuration {key}", e.Message);
        Assert.Contains(expected, e.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
