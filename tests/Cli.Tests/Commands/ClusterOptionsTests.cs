using Autograd.Cluster.Cli.Tests.Support;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Autograd.Cluster.Cli.Tests.Commands;

/// <summary>
/// <c>--tls-cert</c>, <c>--tls-key</c> and <c>--tls-ca</c> against a silo with mutual TLS on (in this process, set up as
/// the silo program sets it up): with the three files of a certificate from the cluster's authority a command reaches
/// the cluster; without them it cannot; an incomplete or unusable set is bad input naming the option.
/// </summary>
public sealed class ClusterOptionsTests : IAsyncLifetime
{
    private const string ClusterId = "tls-cli-tests";
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create("cli-tls-ca");
    private IHost? _silo;
    private string _endpoint = "";

    public async ValueTask InitializeAsync()
    {
        var files = _authority.Issue("silo");
        var ports = LoopbackPorts.Free(2);
        _endpoint = $"127.0.0.1:{ports[1]}";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration[ComputeDevice.ConfigurationKey] = "cpu";
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(ports[0], ports[1], serviceId: ClusterId, clusterId: ClusterId)
            .UseClusterTls(TlsSettings.FromPemFiles(files.CertificatePath, files.KeyPath, files.CaPath))
            .AddAutogradTraining());
        _silo = builder.Build();
        await _silo.StartAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task List_WithTheThreeTlsFiles_ReachesTheTlsCluster()
    {
        var client = _authority.Issue("client", server: false);

        var result = await CliRunner.RunAsync(
            "list", "--cluster", _endpoint, "--cluster-id", ClusterId, "--service-id", ClusterId,
            "--tls-cert", client.CertificatePath, "--tls-key", client.KeyPath, "--tls-ca", client.CaPath);

        Assert.True(result.Code == ExitCodes.Success, result.ToString());
    }

    [Fact]
    public async Task Train_WithTheThreeTlsFiles_TrainsOnTheTlsCluster()
    {
        var client = _authority.Issue("client", server: false);
        using var files = new JobFiles();
        string model = files.Path("tiny.safetensors");

        var result = await CliRunner.RunAsync(
            "train", files.Write("tiny.json", JobFiles.Tiny(epochs: 1) with { Workers = 1 }), "--out", model,
            "--cluster", _endpoint, "--cluster-id", ClusterId, "--service-id", ClusterId,
            "--tls-cert", client.CertificatePath, "--tls-key", client.KeyPath, "--tls-ca", client.CaPath);

        Assert.True(result.Code == ExitCodes.Success, result.ToString());
        Assert.True(File.Exists(model));
    }

    [Fact]
    public async Task TlsCertWithoutTheOthers_IsBadInputNamingTheMissingOption()
    {
        var client = _authority.Issue("client", server: false);

        var result = await CliRunner.RunAsync("list", "--cluster", _endpoint, "--tls-cert", client.CertificatePath, "--tls-ca", client.CaPath);

        Assert.Equal(ExitCodes.BadInput, result.Code);
        Assert.StartsWith("autograd: --tls-key is required with --tls-cert and --tls-ca", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsCaThatDoesNotExist_IsBadInputNamingTheOption()
    {
        var client = _authority.Issue("client", server: false);

        var result = await CliRunner.RunAsync(
            "status", "0123456789abcdef0123456789abcdef", "--cluster", _endpoint,
            "--tls-cert", client.CertificatePath, "--tls-key", client.KeyPath, "--tls-ca", "/nonexistent/ca.crt");

        Assert.Equal(ExitCodes.BadInput, result.Code);
        Assert.Contains("--tls-ca: '/nonexistent/ca.crt' does not exist", result.Error, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync(TimeSpan.FromSeconds(10));
            _silo.Dispose();
        }

        _authority.Dispose();
    }
}
