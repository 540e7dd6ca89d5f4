using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// A run sent to the workers (<see cref="StepRunner.Dispatch"/>): its calls, one per rank, its steps' spans (null when
/// nobody traces) and when it was sent (a <see cref="TimeProvider"/> timestamp).
/// </summary>
internal sealed record DispatchedRun(StepRun Run, IWorkerGrain[] Grains, Task<StepRunResult>[] Calls, Activity?[]? Spans, long DispatchedAt);
