namespace Autograd.Cluster.Contracts.Benchmarks;

/// <summary>
/// Where one contributor's iteration went, in milliseconds: issuing the sends (until every chunk is written or queued
/// behind a write in progress), the rest of the round trip to the shards (wait for every contributor, average,
/// optimizer, answer) and copying in the answers that did not land in place; and the garbage
/// collector's share of it in the contributor's process (pause time, gen-2 collections), which the shards' silo shares
/// when a shard runs there; and how many shards the contributor reached over the gradient data plane (the others by
/// grain calls).
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.AllReduceTiming")]
public sealed record AllReduceTiming(
    [property: Id(0)] int Rank,
    [property: Id(1)] long Step,
    [property: Id(2)] double TotalMilliseconds,
    [property: Id(3)] double SendMilliseconds,
    [property: Id(4)] double ReduceMilliseconds,
    [property: Id(5)] double UnpackMilliseconds,
    [property: Id(6)] double GcPauseMilliseconds,
    [property: Id(7)] int Gen2Collections,
    [property: Id(8)] int DataPlaneShards = 0);
