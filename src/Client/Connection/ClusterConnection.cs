using System.Globalization;
using System.Net;

namespace Autograd.Cluster.Client.Connection;

/// <summary>
/// How to reach a cluster: a list of gateway endpoints (static clustering) or a Redis membership store (the silos'
/// <c>Orleans:ClusteringProvider=redis</c>). <see cref="Parse"/> reads the forms the CLI's <c>--cluster</c> takes.
/// </summary>
public sealed record ClusterConnection
{
    /// <summary>The gateway port of a silo when an endpoint names none (the silo program's default).</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>Gateway endpoints, for static clustering; empty with <see cref="RedisConnectionString"/>.</summary>
    public IReadOnlyList<EndPoint> Gateways { get; init; } = [];

    /// <summary>The StackExchange.Redis connection string of the silos' membership store; null with <see cref="Gateways"/>.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary>The cluster's id (the silos' <c>Orleans:ClusterId</c>). Default <c>dev</c>.</summary>
    public string ClusterId { get; init; } = "dev";

    /// <summary>The service's id (the silos' <c>Orleans:ServiceId</c>). Default <c>dev</c>.</summary>
    public string ServiceId { get; init; } = "dev";

    /// <summary>Mutual TLS to the gateways (the silos' <c>Autograd:Tls:*</c>); null for plain TCP, which TLS silos refuse.</summary>
    public ClusterTls? Tls { get; init; }

    /// <summary>How long connecting may take before <see cref="ClusterConnectionException"/> (a client retries unreachable gateways for minutes otherwise). Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection to the given gateways.</summary>
    public static ClusterConnection ToGateways(params EndPoint[] gateways)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        if (gateways.Length == 0) throw new ArgumentException("name at least one gateway endpoint", nameof(gateways));
        return new ClusterConnection { Gateways = gateways };
    }

    /// <summary>A connection through the Redis membership store at <paramref name="connectionString"/>.</summary>
    public static ClusterConnection ThroughRedis(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new ClusterConnection { RedisConnectionString = connectionString };
    }

    /// <summary>
    /// Reads <c>redis://host:port</c> or <c>redis:&lt;connection string&gt;</c> (Redis membership), or
    /// <c>host[:port][,host[:port]...]</c> (gateways; port 30000 when omitted; a host is an IP address or a name).
    /// </summary>
    /// <exception cref="FormatException">The text is none of these forms; the message says which part is wrong.</exception>
    public static ClusterConnection Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string value = text.Trim();
        if (value.Length == 0) throw new FormatException("the cluster endpoint is empty");
        if (value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
        {
            string rest = value["redis://".Length..].TrimEnd('/');
            if (rest.Length == 0) throw new FormatException($"'{text}' names no Redis host (redis://host:port)");
            return ThroughRedis(rest);
        }

        if (value.StartsWith("redis:", StringComparison.OrdinalIgnoreCase))
        {
            string rest = value["redis:".Length..];
            if (rest.Length == 0) throw new FormatException($"'{text}' has no Redis connection string after 'redis:'");
            return ThroughRedis(rest);
        }

        var gateways = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => ParseEndpoint(part, text))
            .ToArray();
        return ToGateways(gateways);
    }

    /// <summary>What this connection points at, for messages.</summary>
    public override string ToString() => RedisConnectionString is { } redis
        ? $"redis:{HidePassword(redis)}"
        : string.Join(",", Gateways.Select(Describe));

    private static EndPoint ParseEndpoint(string part, string text)
    {
        string host = part;
        int port = DefaultGatewayPort;
        int colon = part.LastIndexOf(':');
        // An IPv6 address in brackets ([::1]:30000), or host:port; a bare IPv6 address has several colons and no port.
        bool hasPort = colon > 0 && (part.StartsWith('[') ? part[colon - 1] == ']' : part.IndexOf(':') == colon);
        if (hasPort)
        {
            host = part[..colon];
            string portText = part[(colon + 1)..];
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
                throw new FormatException($"'{portText}' in '{text}' is not a port (1-65535)");
        }

        host = host.Trim('[', ']');
        if (host.Length == 0) throw new FormatException($"'{part}' in '{text}' names no host");
        if (IPAddress.TryParse(host, out var address)) return new IPEndPoint(address, port);
        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
            throw new FormatException($"'{host}' in '{text}' is not a host name or IP address (use host:port, or redis://host:port)");
        return new DnsEndPoint(host, port);
    }

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint d => $"{d.Host}:{d.Port}",
        _ => endpoint.ToString() ?? string.Empty,
    };

    private static string HidePassword(string connectionString) => string.Join(",", connectionString.Split(',')
        .Select(p => p.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : p));
}
