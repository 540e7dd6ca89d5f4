using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Bench;

/// <summary>One of the soak's jobs as the soak follows it: its coordinator, when it was submitted and finished, its last status.</summary>
internal sealed class SoakJob(string name, ITrainingJobGrain grain, DateTimeOffset submitted)
{
    public string Name { get; } = name;

    public ITrainingJobGrain Grain { get; } = grain;

    public DateTimeOffset Submitted { get; } = submitted;

    /// <summary>When the soak first saw it finished; null while it runs.</summary>
    public DateTimeOffset? Finished { get; set; }

    public JobStatus? Status { get; set; }
}
