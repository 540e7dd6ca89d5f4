using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Connections.Security;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>Turns on mutual TLS for a silo's connections from <see cref="TlsSettings"/>.</summary>
public static class TlsSiloBuilderExtensions
{
    /// <summary>
    /// Registers <paramref name="tls"/> as the silo's <see cref="TlsSettings"/> singleton and, when it is enabled, wraps
    /// every silo-to-silo connection (both directions) and every gateway connection in TLS: the silo presents its
    /// certificate and requires one from the peer, and accepts only a peer whose certificate chains to the configured
    /// authority (Orleans' default would accept any certificate the operating system trusts, or with
    /// <c>AllowAnyRemoteCertificate</c> any at all). A client without a certificate, or with one from another
    /// authority, fails the handshake before any message is read; so does a silo.
    /// </summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder builder, TlsSettings tls)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tls);
        builder.Services.RemoveAll<TlsSettings>();
        builder.Services.AddSingleton(tls);
        if (!tls.Enabled) return builder;
        return builder.UseTls(tls.Certificate!, options =>
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.CheckCertificateRevocation = false;
            options.RemoteCertificateValidation = (certificate, chain, _) => tls.IsTrusted(certificate, chain);
        });
    }
}
