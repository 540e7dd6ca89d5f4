using System.Net;
using Autograd.Cluster.Client.Connection;
using Xunit;

namespace Autograd.Cluster.Client.Tests.Connection;

public sealed class ClusterConnectionTests
{
    [Fact]
    public void Parse_RedisUrl_IsRedisMembership()
    {
        var connection = ClusterConnection.Parse("redis://cache.internal:6380");

        Assert.Equal("cache.internal:6380", connection.RedisConnectionString);
        Assert.Empty(connection.Gateways);
    }

    [Fact]
    public void Parse_RedisConnectionString_KeepsItWhole()
    {
        var connection = ClusterConnection.Parse("redis:localhost:6379,password=secret,ssl=true");

        Assert.Equal("localhost:6379,password=secret,ssl=true", connection.RedisConnectionString);
        Assert.DoesNotContain("secret", connection.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GatewayList_ReadsEveryEndpointWithDefaultPort()
    {
        var connection = ClusterConnection.Parse("127.0.0.1:30001, silo-1 ,[::1]:30002");

        Assert.Equal(
            [new IPEndPoint(IPAddress.Loopback, 30001), new DnsEndPoint("silo-1", ClusterConnection.DefaultGatewayPort), new IPEndPoint(IPAddress.IPv6Loopback, 30002)],
            connection.Gateways);
        Assert.Null(connection.RedisConnectionString);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("localhost:notaport", "'notaport' in 'localhost:notaport' is not a port")]
    [InlineData("localhost:70000", "'70000' in 'localhost:70000' is not a port")]
    [InlineData("redis://", "names no Redis host")]
    [InlineData("bad host!:30000", "'bad host!' in 'bad host!:30000' is not a host name or IP address")]
    public void Parse_Malformed_ThrowsFormatExceptionNamingThePart(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ClusterConnection.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
