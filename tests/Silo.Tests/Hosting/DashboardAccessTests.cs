using System.Net;
using System.Net.Http.Headers;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Testing;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Hosting;

/// <summary>
/// The Orleans dashboard is off by default; on, it needs <c>Autograd:DashboardToken</c> unless the silo's HTTP endpoint
/// is loopback-only, and with a token it serves only requests that present it. Shown on the silo program itself.
/// </summary>
public sealed class DashboardAccessTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Read_DashboardOnBeyondLoopbackWithoutToken_NamesTheTokenKey()
    {
        var hosting = new SiloHostingOptions { OrleansDashboard = true, AdvertisedIP = IPAddress.Parse("192.0.2.10") };

        var error = Assert.Throws<InvalidOperationException>(() => DashboardAccess.Read(Configuration(), hosting));

        Assert.StartsWith($"configuration {DashboardAccess.TokenKey}: is required with {SiloHostingOptions.OrleansDashboardKey}=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DashboardOnLoopbackWithoutToken_IsOpen()
    {
        var access = DashboardAccess.Read(Configuration(), new SiloHostingOptions { OrleansDashboard = true });

        Assert.Null(access.Token);
        Assert.True(access.Accepts(null));
    }

    [Fact]
    public void Read_DashboardOffBeyondLoopback_NeedsNoToken()
    {
        var access = DashboardAccess.Read(Configuration(), new SiloHostingOptions { AdvertisedIP = IPAddress.Parse("192.0.2.10") });

        Assert.Null(access.Token);
    }

    [Fact]
    public void Read_ShortToken_IsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DashboardAccess.Read(Configuration("secret"), new SiloHostingOptions()));

        Assert.StartsWith($"configuration {DashboardAccess.TokenKey}: is 6 characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Accepts_OnlyTheToken()
    {
        var access = DashboardAccess.Read(Configuration(Token), new SiloHostingOptions { OrleansDashboard = true, AdvertisedIP = IPAddress.Parse("192.0.2.10") });

        Assert.True(access.Accepts(Token));
        Assert.False(access.Accepts(Token[..^1]));
        Assert.False(access.Accepts(Token + "0"));
        Assert.False(access.Accepts(null));
    }

    [Fact]
    public async Task Silo_DashboardWithToken_ServesOnlyRequestsThatPresentIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var ports = LoopbackPorts.Free(3);
        using var silo = StartSilo(new Dictionary<string, string>
        {
            ["Orleans__ClusteringProvider"] = "localhost",
            ["Orleans__SiloPort"] = ports[0].ToString(),
            ["Orleans__GatewayPort"] = ports[1].ToString(),
            ["Autograd__HttpPort"] = ports[2].ToString(),
            ["Autograd__OrleansDashboard"] = "true",
            ["Autograd__DashboardToken"] = Token,
        });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        await WaitForHealthAsync(http, silo);

        using var anonymous = await http.GetAsync("/dashboard/", ct);
        using var wrong = await SendAsync(http, "/dashboard/", bearer: Token[..^1] + "x");
        using var bearer = await SendAsync(http, "/dashboard/", bearer: Token);
        using var login = await http.GetAsync($"/dashboard/?token={Token}", ct);
        string cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(DashboardAccess.CookieName + "=", StringComparison.Ordinal));
        using var withCookie = await SendAsync(http, "/dashboard/", cookie: cookie.Split(';')[0]);
        using var wrongLogin = await http.GetAsync("/dashboard/?token=not-the-token-at-all", ct);
        using var health = await http.GetAsync("/health", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        // The browser's way in: the token once in the address, then a cookie, and the token gone from the address.
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/dashboard/", login.Headers.Location?.OriginalString);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, withCookie.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongLogin.StatusCode);
        // The probes stay open: they show no job data.
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Silo_DashboardOnPodAddressWithoutToken_RefusesToStart()
    {
        var ports = LoopbackPorts.Free(3);
        // A non-loopback advertised address makes the HTTP endpoint listen on every interface; the silo stops while
        // reading its configuration, before it binds or sends anything.
        using var silo = StartSilo(new Dictionary<string, string>
        {
            ["Orleans__ClusteringProvider"] = "localhost",
            ["Orleans__SiloPort"] = ports[0].ToString(),
            ["Orleans__GatewayPort"] = ports[1].ToString(),
            ["Autograd__HttpPort"] = ports[2].ToString(),
            ["Orleans__AdvertisedIP"] = "192.0.2.10",
            ["Autograd__OrleansDashboard"] = "true",
        });

        int? exit = await silo.WaitForExitAsync(StartTimeout);

        Assert.True(exit is not null and not 0, $"the silo did not refuse to start (exit {exit?.ToString() ?? "none: still running"}){Environment.NewLine}{silo.Output()}");
        Assert.Contains($"configuration {DashboardAccess.TokenKey}: is required", silo.Output(), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string? bearer = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task WaitForHealthAsync(HttpClient http, ChildProcess silo)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            Assert.False(silo.HasExited, silo.Output());
            try
            {
                using var response = await http.GetAsync("/health", TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"/health never answered 200{Environment.NewLine}{silo.Output()}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    private static ChildProcess StartSilo(Dictionary<string, string> environment)
    {
        environment["Autograd__Device"] = "cpu";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["Logging__LogLevel__Default"] = "Warning";
        return ChildProcess.Start("silo", "dotnet", [RepositoryPaths.SiloAssembly], environment);
    }

    private static IConfiguration Configuration(string? token = null) => new ConfigurationBuilder()
        .AddInMemoryCollection(token is null ? [] : [KeyValuePair.Create(DashboardAccess.TokenKey, (string?)token)])
        .Build();
}
