using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// An accepted job: its spec, the data's size, the steps, the state-dict layout, the seeded initial parameters (flat)
/// and the shard slices.
/// </summary>
public sealed record JobPlan(
    JobSpec Spec,
    int Samples,
    int StepsPerEpoch,
    ParameterLayout Layout,
    float[] InitialParameters,
    ShardRange[] Shards,
    bool HasAccuracy)
{
    public long ParameterCount => InitialParameters.Length;

    public long TotalSteps => (long)StepsPerEpoch * Spec.Epochs;
}
