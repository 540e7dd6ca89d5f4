using System.CommandLine;

namespace Autograd.Cluster.Cli.Commands;

/// <summary>
/// The options that name a cluster: <c>--cluster</c> (where) and <c>--cluster-id</c>/<c>--service-id</c> (which: an
/// Orleans gateway refuses a client of another cluster id). The ids default to the variables the silo itself reads,
/// <c>Orleans__ClusterId</c> and <c>Orleans__ServiceId</c>, so a pod given the silos' environment connects as is.
/// </summary>
internal sealed class ClusterOptions
{
    /// <summary>The ids of a cluster that sets none (the silo program's and the embedded cluster's default).</summary>
    public const string DefaultId = "dev";

    public ClusterOptions(string description)
    {
        Endpoint = CommonOptions.Cluster(description);
        ClusterId = new Option<string>("--cluster-id")
        {
            Description = $"The cluster's id, as its silos' Orleans__ClusterId (default: $Orleans__ClusterId, else {DefaultId})",
            DefaultValueFactory = _ => FromEnvironment("Orleans__ClusterId"),
        };
        ServiceId = new Option<string>("--service-id")
        {
            Description = $"The service's id, as its silos' Orleans__ServiceId (default: $Orleans__ServiceId, else {DefaultId})",
            DefaultValueFactory = _ => FromEnvironment("Orleans__ServiceId"),
        };
    }

    public Option<string?> Endpoint { get; }

    public Option<string> ClusterId { get; }

    public Option<string> ServiceId { get; }

    /// <summary>Adds the three options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Endpoint);
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
    }

    /// <summary>Connects to the cluster the options name; <paramref name="command"/> names the command in the error when none is named.</summary>
    public Task<ClusterSession> ConnectAsync(ParseResult result, string command, CancellationToken cancellationToken) =>
        ClusterSession.ConnectAsync(
            CommonOptions.RequireCluster(result.GetValue(Endpoint), command), Id(result, ClusterId), Id(result, ServiceId), cancellationToken);

    private static string Id(ParseResult result, Option<string> option) =>
        result.GetValue(option) is { Length: > 0 } id ? id.Trim() : throw new CliException($"{option.Name} must not be empty", ExitCodes.BadInput);

    private static string FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : DefaultId;
}
