using System.CommandLine;

namespace Autograd.Cluster.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    /// <summary>The environment variable that gives <c>--cluster</c> its default.</summary>
    public const string ClusterVariable = "AUTOGRAD_CLUSTER";

    public static Option<string?> Cluster(string description) => new("--cluster", "-c")
    {
        Description = $"{description}: host:port[,host:port] (gateways), redis://host:port or redis:<connection string> (default: ${ClusterVariable})",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ClusterVariable) is { Length: > 0 } value ? value : null,
    };

    public static Argument<string> JobId() => new("job-id") { Description = "The job's id (as train, submit or list print it)" };

    /// <summary>The cluster named by <paramref name="value"/>, or a bad-input error saying how to name one.</summary>
    public static string RequireCluster(string? value, string command) => value
        ?? throw new CliException($"{command} needs --cluster (or ${ClusterVariable}): the embedded cluster of 'autograd train' lives only while it runs", ExitCodes.BadInput);

    /// <summary>A positive whole number or a bad-input error naming the option.</summary>
    public static int? Positive(int? value, string option) => value is <= 0
        ? throw new CliException($"{option} must be a positive whole number, got {value}", ExitCodes.BadInput)
        : value;
}
