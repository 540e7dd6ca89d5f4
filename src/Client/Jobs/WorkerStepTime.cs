namespace Autograd.Cluster.Client.Jobs;

/// <summary>One worker's last step: where it runs and how long its compute (forward, backward) and gradient exchange took.</summary>
public sealed record WorkerStepTime(int Rank, string Silo, string Device, int Samples, double ComputeMilliseconds, double ReduceMilliseconds)
{
    /// <summary>The whole step at this worker.</summary>
    public double TotalMilliseconds => ComputeMilliseconds + ReduceMilliseconds;
}
