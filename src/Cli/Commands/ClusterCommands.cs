using System.CommandLine;
using System.Globalization;
using Autograd.Cluster.Cli.Output;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Cli.Commands;

/// <summary><c>autograd status|list|cancel|download</c>: one call each against a running cluster.</summary>
internal static class ClusterCommands
{
    public static Command Status(CliConsole console)
    {
        var cluster = new ClusterOptions("The cluster");
        var jobId = CommonOptions.JobId();
        var command = new Command("status", "Show a job's state, progress, workers and recent events") { jobId };
        cluster.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            await using var session = await cluster.ConnectAsync(result, "status", ct);
            var job = await session.Client.GetJobAsync(result.GetValue(jobId)!, ct);
            var status = await job.GetStatusAsync(ct);
            await console.Out.WriteAsync(Describe(status));
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command List(CliConsole console)
    {
        var cluster = new ClusterOptions("The cluster");
        var command = new Command("list", "List the cluster's jobs");
        cluster.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            await using var session = await cluster.ConnectAsync(result, "list", ct);
            var jobs = await session.Client.ListJobsAsync(ct);
            if (jobs.Count == 0)
            {
                await console.Out.WriteLineAsync("no jobs");
                return ExitCodes.Success;
            }

            await console.Out.WriteLineAsync($"{"JOB",-32}  {"STATE",-9}  {"SUBMITTED (UTC)",-19}  {"EPOCH",5}  {"STEP",-13}  {"LOSS",8}  {"ACC",7}  DESCRIPTION");
            foreach (var j in jobs)
            {
                string step = $"{j.Step}/{j.TotalSteps}";
                string loss = j.Loss is { } l ? l.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
                string accuracy = j.Accuracy is { } a ? (a * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";
                await console.Out.WriteLineAsync(
                    $"{j.JobId,-32}  {j.State,-9}  {j.SubmittedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-19}  {Math.Min(j.Epoch + 1, j.Epochs),2}/{j.Epochs,-2}  {step,-13}  {loss,8}  {accuracy,7}  {j.Description}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Cancel(CliConsole console)
    {
        var cluster = new ClusterOptions("The cluster");
        var jobId = CommonOptions.JobId();
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the job's events)", DefaultValueFactory = _ => "cancelled with autograd cancel" };
        var command = new Command("cancel", "Stop a job after its step in flight") { jobId, reason };
        cluster.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            await using var session = await cluster.ConnectAsync(result, "cancel", ct);
            var job = await session.Client.GetJobAsync(result.GetValue(jobId)!, ct);
            var status = await job.CancelAsync(result.GetValue(reason)!, ct);
            await console.Out.WriteLineAsync(status.IsFinished
                ? $"job {job.JobId} had already ended: {status.State}"
                : $"job {job.JobId}: cancel requested at step {status.Step}/{status.TotalSteps}; it stops after the step in flight");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Download(CliConsole console)
    {
        var cluster = new ClusterOptions("The cluster");
        var jobId = CommonOptions.JobId();
        var output = new Option<string?>("--out", "-o") { Description = "The model file to write (default <job-id>.safetensors)" };
        var command = new Command("download", "Save an ended job's model as safetensors") { jobId, output };
        cluster.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            await using var session = await cluster.ConnectAsync(result, "download", ct);
            var job = await session.Client.GetJobAsync(result.GetValue(jobId)!, ct);
            var status = await job.GetStatusAsync(ct);
            if (!status.IsFinished)
                throw new CliException($"job {job.JobId} is {status.State} at step {status.Step}/{status.TotalSteps}: its model can be downloaded once it has ended", ExitCodes.BadInput);
            string path = Path.GetFullPath(result.GetValue(output) ?? job.JobId + ".safetensors");
            var layout = await job.DownloadModelAsync(path, ct);
            await console.Out.WriteLineAsync($"model: {path} ({layout.TotalElements} values in {layout.Entries.Length} tensors)");
            return ExitCodes.Success;
        });
        return command;
    }

    internal static string Describe(JobStatus s)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"job {s.JobId}: {s.State}");
        text.AppendLine($"  epoch {Math.Min(s.Epoch + 1, Math.Max(s.Epochs, 1))}/{s.Epochs}, step {s.Step}/{s.TotalSteps}, {s.Parameters} parameters in {s.Shards} shard(s), coordinator on {s.CoordinatorSilo}");
        if (s.Loss is { } loss) text.AppendLine($"  loss {loss:0.0000}" + (s.Accuracy is { } a ? $", accuracy {a * 100:0.00}%" : string.Empty) + $", {ProgressDisplay.Rate(s.SamplesPerSecond)} samples/s");
        if (s.TestAccuracy is { } ta) text.AppendLine($"  test accuracy {ta * 100:0.00}%" + (s.TestLoss is { } tl ? $", test loss {tl:0.0000}" : string.Empty));
        else if (s.TestLoss is { } testLoss) text.AppendLine($"  test loss {testLoss:0.0000}");
        if (s.FailureReason is { } reason) text.AppendLine($"  failed: {reason}");
        foreach (var w in s.Workers)
            text.AppendLine($"  worker {w.Rank} on {w.Silo} ({w.Device}): {w.LastSamples} samples, compute {w.LastComputeMilliseconds:0.0} ms, reduce {w.LastReduceMilliseconds:0.0} ms");
        foreach (var e in s.EpochHistory) text.AppendLine("  " + ProgressDisplay.Epoch(e, s.Epochs));
        foreach (var e in s.Events.TakeLast(10))
            text.AppendLine($"  {e.Timestamp.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} [{e.Kind}] {e.Message}");
        return text.ToString();
    }
}
