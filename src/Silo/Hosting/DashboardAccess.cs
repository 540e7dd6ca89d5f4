using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// Who may open the Orleans dashboard (<see cref="SiloHostingOptions.OrleansDashboard"/>, off by default), which shows
/// every grain, job id and silo: with <see cref="TokenKey"/> set, only requests that present the token (a bearer
/// header, or the cookie a browser gets from one visit to <c>/dashboard?token=...</c>); without one, only a silo whose
/// HTTP endpoint listens on loopback (a developer's machine) may serve it, and <see cref="Read"/> refuses the rest.
/// </summary>
public sealed record DashboardAccess
{
    /// <summary>Key of <see cref="Token"/> (env <c>Autograd__DashboardToken</c>): at least <see cref="MinimumTokenLength"/> characters.</summary>
    public const string TokenKey = "Autograd:DashboardToken";

    /// <summary>The shortest token accepted: a guessable token is no better than none.</summary>
    public const int MinimumTokenLength = 16;

    /// <summary>The cookie that carries the token for a browser, scoped to the dashboard's path.</summary>
    public const string CookieName = "autograd-dashboard";

    /// <summary>The token a request must present; null: the dashboard is open (loopback only).</summary>
    public string? Token { get; init; }

    /// <summary>Reads <see cref="TokenKey"/> and checks it against <paramref name="hosting"/>.</summary>
    /// <exception cref="InvalidOperationException">
    /// The token is too short, or the dashboard is on, listens beyond loopback and has no token; the message names the key.
    /// </exception>
    public static DashboardAccess Read(IConfiguration configuration, SiloHostingOptions hosting)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(hosting);
        string? token = string.IsNullOrWhiteSpace(configuration[TokenKey]) ? null : configuration[TokenKey]!.Trim();
        if (token is not null && token.Length < MinimumTokenLength)
            throw Invalid($"is {token.Length} characters; use at least {MinimumTokenLength} random ones (e.g. openssl rand -hex 32)");
        if (hosting.OrleansDashboard && token is null && !IPAddress.IsLoopback(hosting.HttpListenAddress))
            throw Invalid(
                $"is required with {SiloHostingOptions.OrleansDashboardKey}=true when the HTTP endpoint listens on {hosting.HttpListenAddress} (not loopback): " +
                "the dashboard shows every grain and job; set a token or leave the dashboard off");
        return new DashboardAccess { Token = token };
    }

    /// <summary>Whether <paramref name="presented"/> is the token (compared in constant time); always true without a token.</summary>
    public bool Accepts(string? presented)
    {
        if (Token is null) return true;
        if (presented is null) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Token));
    }

    private static InvalidOperationException Invalid(string problem) => new($"configuration {TokenKey}: {problem}");
}
