namespace Autograd.Cluster.Contracts.Benchmarks;

/// <summary>
/// One contributor of the all-reduce benchmark (key <c>{runId}/{rank}</c>, placed on its own silo as a worker is):
/// each iteration it sends its gradient slices to the run's <see cref="IParameterShardGrain"/>s, exactly as a worker
/// does, and loads the averaged slices they answer with. Only <c>bench allreduce</c> uses it.
/// </summary>
[Alias("Autograd.Cluster.IAllReduceProbeGrain")]
public interface IAllReduceProbeGrain : IGrainWithStringKey
{
    /// <summary>Allocates the probe's flat gradient (every value rank + 1) and returns the silo it runs on.</summary>
    [Alias("Prepare")]
    Task<string> PrepareAsync(AllReduceProbeSetup setup);

    /// <summary>
    /// Runs step <paramref name="step"/>: gradient out to every shard, averaged slices back into the flat buffer, and
    /// checks the values against the closed form (throws on a wrong average).
    /// </summary>
    [Alias("Iterate")]
    Task<AllReduceTiming> IterateAsync(long step);

    /// <summary>Frees the buffer and lets the activation go.</summary>
    [Alias("Release")]
    Task ReleaseAsync();
}
