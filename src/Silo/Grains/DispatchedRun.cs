using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// A run sent to the workers (<see cref="StepRunner.Dispatch"/>): its calls, one per rank, its steps' spans (null when
/// nobody traces), when it was sent (a <see cref="TimeProvider"/> timestamp), and what ends the calls' asking again
/// once the coordinator no longer waits for the run (a call asked again later could reach a worker released, or set
/// up again, since).
/// </summary>
internal sealed record DispatchedRun(StepRun Run, IWorkerGrain[] Grains, Task<StepRunResult>[] Calls, Activity?[]? Spans, long DispatchedAt, CancellationTokenSource GivenUp);
