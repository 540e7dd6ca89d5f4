using Orleans.Connections.Security;

namespace Autograd.Cluster.Client.Connection;

/// <summary>Mutual TLS on an Orleans client's gateway connections, from <see cref="ClusterTls"/>.</summary>
internal static class TlsClientBuilderExtensions
{
    /// <summary>
    /// The client presents <see cref="ClusterTls.Certificate"/> and accepts only a gateway whose certificate chains to
    /// <see cref="ClusterTls.Authority"/> (Orleans' default would accept any certificate the operating system trusts).
    /// </summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterTls tls) =>
        client.UseTls(tls.Certificate, options =>
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.CheckCertificateRevocation = false;
            options.RemoteCertificateValidation = (certificate, chain, _) => tls.IsTrusted(certificate, chain);
        });
}
