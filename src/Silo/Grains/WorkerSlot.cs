using Autograd.Cluster.Contracts;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>A worker of the current formation: its grain, the slot its key names, and its silo (null if unknown).</summary>
internal sealed record WorkerSlot(IWorkerGrain Grain, int Slot, SiloAddress? Silo);
