namespace Autograd.Cluster.Contracts.Status;

/// <summary>One worker as the coordinator sees it: placement, device and the timings of its last step.</summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.WorkerProgress")]
public sealed record WorkerProgress(
    [property: Id(0)] int Rank,
    [property: Id(1)] string Silo,
    [property: Id(2)] string Device,
    [property: Id(3)] int LastSamples,
    [property: Id(4)] double LastComputeMilliseconds,
    [property: Id(5)] double LastReduceMilliseconds);
