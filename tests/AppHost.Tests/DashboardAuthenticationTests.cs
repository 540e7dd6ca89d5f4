using System.Text.Json;
using Xunit;

namespace Autograd.Cluster.AppHost.Tests;

/// <summary>
/// The Aspire dashboard keeps its login (browser token, OTLP API key) everywhere but a developer's own machine: only the
/// <c>http</c> launch profile in Development may relax it (today it does not); no other profile, no AppHost settings file
/// and no deployment manifest turns anonymous access on. The dashboard shows every resource's environment (connection strings included) and all telemetry.
/// </summary>
public sealed class DashboardAuthenticationTests
{
    /// <summary>The one profile allowed to relax the dashboard's transport: local development over http.</summary>
    private const string DevelopmentProfile = "http";

    /// <summary>Variables (and values, case-insensitive) that open the dashboard to anyone who reaches it.</summary>
    private static readonly (string Name, string Value)[] Anonymous =
    [
        ("ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS", "true"),
        ("DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS", "true"),
        ("DASHBOARD__FRONTEND__AUTHMODE", "Unsecured"),
        ("DASHBOARD__OTLP__AUTHMODE", "Unsecured"),
    ];

    [Fact]
    public void LaunchProfiles_NoneAllowsAnonymousDashboardAccess_AndOnlyLocalDevelopmentRelaxesTransport()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "src", "AppHost", "Properties", "launchSettings.json")));

        foreach (var profile in settings.RootElement.GetProperty("profiles").EnumerateObject())
        {
            var environment = profile.Value.TryGetProperty("environmentVariables", out var variables)
                ? variables.EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString() ?? "", StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            bool localDevelopment = profile.Name == DevelopmentProfile
                && environment.TryGetValue("DOTNET_ENVIRONMENT", out var env) && env == "Development";
            if (!localDevelopment)
            {
                foreach (var (name, value) in Anonymous)
                    Assert.False(environment.TryGetValue(name, out var set) && set.Equals(value, StringComparison.OrdinalIgnoreCase), $"launch profile '{profile.Name}' sets {name}={set}: the dashboard would let anyone in");
            }

            if (environment.TryGetValue("ASPIRE_ALLOW_UNSECURED_TRANSPORT", out var unsecured) && unsecured.Equals("true", StringComparison.OrdinalIgnoreCase))
                Assert.True(localDevelopment, $"launch profile '{profile.Name}' allows an unsecured transport outside the {DevelopmentProfile} development profile");
            // Plain http only on loopback: the token is the only thing between the network and the dashboard.
            if (profile.Value.TryGetProperty("applicationUrl", out var urls))
            {
                foreach (string url in urls.GetString()!.Split(';'))
                {
                    var uri = new Uri(url);
                    if (uri.Scheme == "http") Assert.True(uri.IsLoopback, $"launch profile '{profile.Name}' serves the dashboard over http on {uri.Host}");
                }
            }
        }
    }

    [Fact]
    public void AppHostSettingsFiles_DoNotTurnOffDashboardAuthentication()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "src", "AppHost"), "appsettings*.json");

        foreach (string file in files)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            foreach (var section in new[] { "Frontend", "Otlp" })
            {
                string? mode = Find(json.RootElement, "Dashboard", section, "AuthMode");
                Assert.False(string.Equals(mode, "Unsecured", StringComparison.OrdinalIgnoreCase), $"{Path.GetFileName(file)} sets Dashboard:{section}:AuthMode=Unsecured");
            }
        }
    }

    [Fact]
    public void DeploymentManifests_DoNotRunAnAnonymousDashboard()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "deploy"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.Contains("Dockerfile", StringComparison.Ordinal));

        foreach (string file in files)
        {
            string text = File.ReadAllText(file);
            foreach (var (name, value) in Anonymous)
            {
                foreach (string form in new[] { $"{name}={value}", $"name: {name}" })
                    Assert.DoesNotContain(form, text, StringComparison.OrdinalIgnoreCase);
            }

            Assert.DoesNotContain("--allow-anonymous", text, StringComparison.Ordinal);
        }
    }

    private static string? Find(JsonElement element, params string[] path)
    {
        foreach (string name in path)
        {
            if (element.ValueKind != JsonValueKind.Object) return null;
            var match = element.EnumerateObject().FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (match.Value.ValueKind == JsonValueKind.Undefined) return null;
            element = match.Value;
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }

    private static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Autograd.Cluster.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException($"no Autograd.Cluster.sln above {AppContext.BaseDirectory}");
        }
    }
}
