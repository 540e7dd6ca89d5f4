namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// Ends a step (or a setup, or a checkpoint) because silos that hold the job's workers or shards are gone: the
/// coordinator then recovers from its last checkpoint on the live silos instead of failing the job.
/// </summary>
internal sealed class SiloLostException(IReadOnlyList<string> silos, string reason)
    : Exception($"{string.Join(", ", silos)} lost: {reason}")
{
    public IReadOnlyList<string> Silos { get; } = silos;
}
