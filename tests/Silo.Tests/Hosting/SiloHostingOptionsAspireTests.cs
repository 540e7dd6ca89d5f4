using System.Net;
using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

/// <summary>The keys .NET Aspire injects (Orleans' own provider configuration) and the silo's HTTP and dashboard keys.</summary>
public sealed class SiloHostingOptionsAspireTests
{
    [Fact]
    public void Read_AspireRedisClustering_IsConfiguredWithTheKeyedConnection()
    {
        var options = Read(
            ("Orleans:Clustering:ProviderType", "Redis"),
            ("Orleans:Clustering:ServiceKey", "redis"),
            ("ConnectionStrings:redis", "localhost:6390,abortConnect=false"),
            ("Orleans:ClusterId", "c1"),
            ("Orleans:ServiceId", "s1"),
            ("Orleans:Endpoints:SiloPort", "2000"),
            ("Orleans:Endpoints:GatewayPort", "3000"));

        Assert.Equal(SiloHostingOptions.Configured, options.Clustering);
        Assert.Equal(("redis", "localhost:6390,abortConnect=false"), options.KeyedRedisConnection);
        Assert.Equal(("c1", "s1"), (options.ClusterId, options.ServiceId));
        Assert.Equal(IPAddress.Loopback, options.AdvertisedIP);
    }

    [Fact]
    public void Read_AspireDevelopmentClustering_IsConfiguredWithoutAConnection()
    {
        var options = Read(("Orleans:Clustering:ProviderType", "Development"));

        Assert.Equal(SiloHostingOptions.Configured, options.Clustering);
        Assert.Null(options.KeyedRedisConnection);
    }

    [Fact]
    public void Read_AspireRedisServiceKeyWithoutConnectionString_NamesTheMissingKey()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Read(
            ("Orleans:Clustering:ProviderType", "Redis"), ("Orleans:Clustering:ServiceKey", "membership")));

        Assert.Contains("ConnectionStrings:membership", e.Message);
        Assert.Contains("Orleans:Clustering:ServiceKey", e.Message);
    }

    [Fact]
    public void Read_ClusteringProviderAndOrleansProviderType_RefusesTheConflict()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Read(
            ("Orleans:ClusteringProvider", "localhost"), ("Orleans:Clustering:ProviderType", "Redis")));

        Assert.Contains(SiloHostingOptions.ClusteringKey, e.Message);
        Assert.Contains(SiloHostingOptions.OrleansClusteringProviderTypeKey, e.Message);
    }

    [Fact]
    public void Read_NothingSet_HttpOnAFreeLoopbackPortAndNoDashboard()
    {
        var options = Read();

        Assert.Equal(0, options.HttpPort);
        Assert.Equal(IPAddress.Loopback, options.HttpListenAddress);
        Assert.False(options.OrleansDashboard);
    }

    [Fact]
    public void Read_HttpPortDashboardAndPodIP_ListensOnEveryInterface()
    {
        var options = Read(("Autograd:HttpPort", "8080"), ("Autograd:OrleansDashboard", "true"), ("Orleans:AdvertisedIP", "10.1.2.3"));

        Assert.Equal(8080, options.HttpPort);
        Assert.True(options.OrleansDashboard);
        Assert.Equal(IPAddress.Any, options.HttpListenAddress);
    }

    [Theory]
    [InlineData("Autograd:HttpPort", "-1", "is not a port (0-65535)")]
    [InlineData("Autograd:HttpPort", "http", "is not a port (0-65535)")]
    [InlineData("Autograd:OrleansDashboard", "yes", "is not true or false")]
    public void Read_BadHttpOrDashboardValue_NamesTheKey(string key, string value, string problem)
    {
        var e = Assert.Throws<InvalidOperationException>(() => Read((key, value)));

        Assert.Equal($"configuration {key}: '{value}' {problem}", e.Message);
    }

    private static SiloHostingOptions Read(params (string Key, string Value)[] settings) =>
        SiloHostingOptions.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build());
}
