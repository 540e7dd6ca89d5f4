using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Silo.Tests.Support;

/// <summary>Submits jobs to a test cluster and waits for them to end.</summary>
internal static class JobRunner
{
    public static async Task<JobStatus> RunAsync(IGrainFactory grains, JobSpec spec, TimeSpan? timeout = null)
    {
        var job = grains.GetGrain<ITrainingJobGrain>(NewJobId());
        await job.SubmitAsync(spec);
        return await WaitAsync(job, timeout);
    }

    public static async Task<JobStatus> WaitAsync(ITrainingJobGrain job, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = await job.GetStatusAsync();
            if (status.IsFinished) return status;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"job {status.JobId} still {status.State} at step {status.Step}/{status.TotalSteps}; events: {string.Join(" | ", status.Events.Select(e => e.Message))}");
            await Task.Delay(20);
        }
    }

    public static string NewJobId() => Guid.NewGuid().ToString("N");

    public static string Describe(JobStatus status) =>
        $"{status.State} {status.FailureReason}; events: {string.Join(" | ", status.Events.Select(e => $"{e.Kind}: {e.Message}"))}";
}
