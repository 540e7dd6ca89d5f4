using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// Ready when this silo is an active member of its cluster, as the membership table says: a silo still joining (or
/// shutting down, or declared dead by the others) reports unhealthy, so a probe or Aspire's WaitFor holds traffic back.
/// </summary>
internal sealed class ClusterMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    /// <summary>Name of the check in <c>/health</c>'s report.</summary>
    public const string Name = "cluster-membership";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(silo.SiloAddress);
        int active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        string description = $"silo {silo.SiloAddress} is {status}; {active} active silo(s) in cluster version {snapshot.Version}";
        return Task.FromResult(status == SiloStatus.Active ? HealthCheckResult.Healthy(description) : HealthCheckResult.Unhealthy(description));
    }
}
