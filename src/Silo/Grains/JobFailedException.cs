namespace Autograd.Cluster.Silo.Grains;

/// <summary>Ends a job's run loop with a reason meant for the job's status (a timeout, a failing worker, a NaN loss).</summary>
internal sealed class JobFailedException(string reason) : Exception(reason);
