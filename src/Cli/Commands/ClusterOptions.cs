using System.CommandLine;
using Autograd.Cluster.Client.Connection;

namespace Autograd.Cluster.Cli.Commands;

/// <summary>
/// The options that name a cluster: <c>--cluster</c> (where), <c>--cluster-id</c>/<c>--service-id</c> (which: an
/// Orleans gateway refuses a client of another cluster id) and <c>--tls-cert</c>/<c>--tls-key</c>/<c>--tls-ca</c> (mutual
/// TLS, which silos with <c>Autograd:Tls:*</c> require). Each defaults to the variable the silo itself reads
/// (<c>Orleans__ClusterId</c>, <c>Autograd__Tls__CertificatePath</c>, ...), so a pod given the silos' environment connects as is.
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
        TlsCertificate = TlsOption("--tls-cert", TlsCertificateVariable, "The client certificate (PEM, e.g. a TLS secret's tls.crt) for a cluster with mutual TLS");
        TlsKey = TlsOption("--tls-key", TlsKeyVariable, "The client certificate's private key (unencrypted PEM, tls.key)");
        TlsCa = TlsOption("--tls-ca", TlsCaVariable, "The certificate authority of the cluster's silos (PEM, ca.crt)");
    }

    /// <summary>The variable that gives <c>--tls-cert</c> its default: the silo's own <c>Autograd:Tls:CertificatePath</c>, so a pod given the silos' TLS environment connects as is.</summary>
    public const string TlsCertificateVariable = "Autograd__Tls__CertificatePath";

    /// <summary>The variable that gives <c>--tls-key</c> its default.</summary>
    public const string TlsKeyVariable = "Autograd__Tls__KeyPath";

    /// <summary>The variable that gives <c>--tls-ca</c> its default.</summary>
    public const string TlsCaVariable = "Autograd__Tls__CaPath";

    public Option<string?> Endpoint { get; }

    public Option<string> ClusterId { get; }

    public Option<string> ServiceId { get; }

    public Option<string?> TlsCertificate { get; }

    public Option<string?> TlsKey { get; }

    public Option<string?> TlsCa { get; }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Endpoint);
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
        command.Options.Add(TlsCertificate);
        command.Options.Add(TlsKey);
        command.Options.Add(TlsCa);
    }

    /// <summary>Connects to the cluster the options name; <paramref name="command"/> names the command in the error when none is named.</summary>
    public Task<ClusterSession> ConnectAsync(ParseResult result, string command, CancellationToken cancellationToken) =>
        ClusterSession.ConnectAsync(
            CommonOptions.RequireCluster(result.GetValue(Endpoint), command), Id(result, ClusterId), Id(result, ServiceId), Tls(result), cancellationToken);

    /// <summary>
    /// The client's TLS from <c>--tls-cert</c>, <c>--tls-key</c> and <c>--tls-ca</c>: null when none is given, the loaded
    /// files when all three are; a bad-input error naming the option otherwise.
    /// </summary>
    public ClusterTls? Tls(ParseResult result)
    {
        Option<string?>[] options = [TlsCertificate, TlsKey, TlsCa];
        var values = options.Select(o => result.GetValue(o) is { Length: > 0 } v ? v.Trim() : null).ToArray();
        if (values.All(v => v is null)) return null;
        if (Array.IndexOf(values, null) is var missing and >= 0)
            throw new CliException(
                $"{options[missing].Name} is required with {string.Join(" and ", options.Where((_, i) => values[i] is not null).Select(o => o.Name))}: TLS needs the certificate, its key and the authority",
                ExitCodes.BadInput);
        try
        {
            return ClusterTls.FromPemFiles(values[0]!, values[1]!, values[2]!);
        }
        catch (ArgumentException e)
        {
            string option = e.ParamName switch { "keyPath" => TlsKey.Name, "caPath" => TlsCa.Name, _ => TlsCertificate.Name };
            string reason = e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new CliException($"{option}: {reason[(reason.IndexOf(": ", StringComparison.Ordinal) + 2)..]}", ExitCodes.BadInput);
        }
    }

    private static string Id(ParseResult result, Option<string> option) =>
        result.GetValue(option) is { Length: > 0 } id ? id.Trim() : throw new CliException($"{option.Name} must not be empty", ExitCodes.BadInput);

    private static Option<string?> TlsOption(string name, string variable, string description) => new(name)
    {
        Description = $"{description}; with --cluster only (default: ${variable})",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null,
    };

    private static string FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : DefaultId;
}
