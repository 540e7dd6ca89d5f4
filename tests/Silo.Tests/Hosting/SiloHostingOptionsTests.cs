using System.Net;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

public sealed class SiloHostingOptionsTests
{
    [Fact]
    public void Read_NothingSet_IsLocalhostClusteringOnTheOrleansDefaults()
    {
        var options = Read();

        Assert.Equal(SiloHostingOptions.Localhost, options.Clustering);
        Assert.Null(options.RedisConnectionString);
        Assert.Equal(("dev", "dev", 11111, 30000), (options.ClusterId, options.ServiceId, options.SiloPort, options.GatewayPort));
        Assert.Equal(IPAddress.Loopback, options.AdvertisedIP);
    }

    [Fact]
    public void Read_RedisFromEnvironmentStyleKeys_ReadsEveryValue()
    {
        // Environment variables reach IConfiguration with "__" turned into ":", as a manifest sets them.
        var options = Read(
            ("Orleans:ClusteringProvider", " Redis "),
            ("ConnectionStrings:redis", "redis:6379"),
            ("Orleans:ClusterId", "c1"),
            ("Orleans:ServiceId", "s1"),
            ("Orleans:SiloPort", "2000"),
            ("Orleans:GatewayPort", "3000"),
            ("Orleans:AdvertisedIP", "10.1.2.3"));

        Assert.Equal(SiloHostingOptions.Redis, options.Clustering);
        Assert.Equal("redis:6379", options.RedisConnectionString);
        Assert.Equal(("c1", "s1", 2000, 3000), (options.ClusterId, options.ServiceId, options.SiloPort, options.GatewayPort));
        Assert.Equal(IPAddress.Parse("10.1.2.3"), options.AdvertisedIP);
    }

    [Fact]
    public void Read_LocalhostWithAConnectionString_IgnoresIt() =>
        Assert.Null(Read(("ConnectionStrings:redis", "redis:6379")).RedisConnectionString);

    [Theory]
    [InlineData("Orleans:ClusteringProvider", "consul", "configuration Orleans:ClusteringProvider: 'consul' is not a clustering")]
    [InlineData("Orleans:SiloPort", "0", "configuration Orleans:SiloPort: '0' is not a port")]
    [InlineData("Orleans:GatewayPort", "65536", "configuration Orleans:GatewayPort: '65536' is not a port")]
    [InlineData("Orleans:SiloPort", "-5", "configuration Orleans:SiloPort: '-5' is not a port")]
    [InlineData("Orleans:GatewayPort", "11111", "configuration Orleans:GatewayPort: 11111 is also Orleans:SiloPort")]
    [InlineData("Orleans:AdvertisedIP", "pod-a", "configuration Orleans:AdvertisedIP: 'pod-a' is not an IP address")]
    [InlineData("Orleans:Clustering", "redis", "configuration Orleans:Clustering: 'redis' belongs in Orleans:ClusteringProvider")]
    public void Read_BadValue_NamesTheKey(string key, string value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((key, value)));

        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public void Read_RedisWithoutConnectionString_NamesTheConnectionStringKey(string? connection)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Read(("Orleans:ClusteringProvider", "redis"), ("ConnectionStrings:redis", connection)));

        Assert.StartsWith("configuration ConnectionStrings:redis: is required", error.Message);
    }

    [Fact]
    public void Keys_AreTheDocumentedOnes() =>
        Assert.Equal(
            ["Orleans:ClusteringProvider", "ConnectionStrings:redis", "Orleans:ClusterId", "Orleans:ServiceId", "Orleans:SiloPort", "Orleans:GatewayPort", "Orleans:AdvertisedIP"],
            [SiloHostingOptions.ClusteringKey, SiloHostingOptions.RedisConnectionStringKey, SiloHostingOptions.ClusterIdKey, SiloHostingOptions.ServiceIdKey,
             SiloHostingOptions.SiloPortKey, SiloHostingOptions.GatewayPortKey, SiloHostingOptions.AdvertisedIPKey]);

    private static SiloHostingOptions Read(params (string Key, string? Value)[] values) =>
        SiloHostingOptions.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());
}
