using System.CommandLine;
using Autograd.Cluster.Cli.Evaluation;
using Autograd.Cluster.Cli.Output;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Cli.Commands;

/// <summary>
/// <c>autograd train job.json</c>: submits the job (to <c>--cluster</c>, or to an embedded cluster it starts), shows
/// its progress, downloads the model, reports the test accuracy and draws the curves next to the model.
/// </summary>
internal static class TrainCommand
{
    public const int DefaultSilos = 2;

    public static Command Create(CliConsole console)
    {
        var job = new Argument<string>("job") { Description = "The job file (JSON; see examples/ and examples/job.schema.json)" };
        var cluster = new ClusterOptions("The cluster to train on; without it an embedded cluster is started in this process");
        var workers = new Option<int?>("--workers", "-w") { Description = "Data-parallel workers (overrides the job file's)" };
        var epochs = new Option<int?>("--epochs", "-e") { Description = "Epochs (overrides the job file's)" };
        var output = new Option<string?>("--out", "-o") { Description = "Where to save the model (safetensors; default <job name>.safetensors here); the curves go beside it as .svg" };
        var silos = new Option<int?>("--silos") { Description = $"Silos of the embedded cluster (default {DefaultSilos})" };
        var device = new Option<string?>("--device") { Description = "The embedded cluster's device: auto, cpu, cuda[:i], opencl[:i] (default: Autograd__Device, else auto)" };
        var command = new Command("train", "Train a job file and save the model") { job, workers, epochs, output, silos, device };
        cluster.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(
            console,
            new TrainArguments(
                result.GetValue(job)!,
                result.GetValue(cluster.Endpoint),
                CommonOptions.Positive(result.GetValue(workers), "--workers"),
                CommonOptions.Positive(result.GetValue(epochs), "--epochs"),
                result.GetValue(output),
                CommonOptions.Positive(result.GetValue(silos), "--silos") ?? DefaultSilos,
                result.GetValue(device))
            {
                ClusterId = result.GetValue(cluster.ClusterId) ?? ClusterOptions.DefaultId,
                ServiceId = result.GetValue(cluster.ServiceId) ?? ClusterOptions.DefaultId,
                Tls = result.GetValue(cluster.Endpoint) is null ? null : cluster.Tls(result),
            },
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliConsole console, TrainArguments args, CancellationToken cancellationToken)
    {
        var spec = JobFile.Load(args.JobFile);
        if (args.Workers is { } w) spec = spec with { Workers = w };
        if (args.Epochs is { } e) spec = spec with { Epochs = e };
        string modelPath = Path.GetFullPath(args.Out ?? Path.GetFileNameWithoutExtension(args.JobFile) + ".safetensors");
        string curvesPath = Path.ChangeExtension(modelPath, ".svg");
        if (Directory.Exists(modelPath)) throw new CliException($"--out: '{modelPath}' is a directory; name the model file", ExitCodes.BadInput);

        await using var session = args.Cluster is { } cluster
            ? await ClusterSession.ConnectAsync(cluster, args.ClusterId, args.ServiceId, args.Tls, cancellationToken)
            : await ClusterSession.StartLocalAsync(args.Silos, args.Device, cancellationToken);
        var handle = await session.Client.SubmitAsync(spec, cancellationToken: cancellationToken);
        await console.Out.WriteLineAsync($"job {handle.JobId} submitted to {session.Description}");

        var display = new ProgressDisplay(console, TimeProvider.System);
        var losses = new List<(long Step, double Loss)>();
        JobStatus? final = null;
        try
        {
            await foreach (var progress in handle.WatchAsync(cancellationToken: cancellationToken))
            {
                display.Show(progress);
                if (progress.Loss is { } loss && progress.Step > 0 && (losses.Count == 0 || losses[^1].Step != progress.Step)) losses.Add((progress.Step, loss));
                final = progress.Status;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            display.Finish();
            await handle.CancelAsync("interrupted in autograd train", CancellationToken.None);
            throw new CliException($"interrupted: job {handle.JobId} cancelled");
        }

        display.Finish();
        if (final!.State == JobState.Failed) throw new CliException($"job {handle.JobId} failed: {final.FailureReason}");
        if (final.State == JobState.Cancelled) throw new CliException($"job {handle.JobId} was cancelled: {final.Events.LastOrDefault()?.Message}");

        var layout = await handle.DownloadModelAsync(modelPath, cancellationToken);
        await console.Out.WriteLineAsync($"job {handle.JobId} completed: {final.Step} steps, final loss {final.Loss:0.0000}");
        await console.Out.WriteLineAsync(TestLine(spec, final, modelPath));
        await console.Out.WriteLineAsync($"model: {modelPath} ({layout.TotalElements} values in {layout.Entries.Length} tensors)");
        long stepsPerEpoch = final.Epochs > 0 ? final.TotalSteps / final.Epochs : final.TotalSteps;
        CurvePlot.Write(curvesPath, losses, final.EpochHistory, stepsPerEpoch, $"job {handle.JobId}: {Path.GetFileName(args.JobFile)}");
        await console.Out.WriteLineAsync($"curves: {curvesPath}");
        return ExitCodes.Success;
    }

    /// <summary>The test accuracy the cluster measured, else the one measured here on the downloaded model.</summary>
    private static string TestLine(JobSpec spec, JobStatus status, string modelPath)
    {
        if (status.TestAccuracy is { } clusterAccuracy)
            return $"test accuracy: {clusterAccuracy * 100:0.00}% (test loss {status.TestLoss:0.0000}, measured by the cluster)";
        if (status.TestLoss is { } clusterLoss)
            return $"test loss ({spec.Loss}): {clusterLoss:0.000000} (measured by the cluster)";
        var result = LocalEvaluator.Evaluate(spec, modelPath);
        return Format(result, spec.Loss);
    }

    internal static string Format(EvaluationResult result, string lossName)
    {
        string name = result.Split == "test" ? "test" : "training-set (the dataset has no test split)";
        return result.Accuracy is { } accuracy
            ? $"{name} accuracy: {accuracy * 100:0.00}% ({result.Samples} samples, {lossName} {result.Loss:0.0000})"
            : $"{name} loss ({lossName}): {result.Loss:0.000000} ({result.Samples} samples)";
    }
}

/// <summary>The parsed arguments of <c>autograd train</c>.</summary>
internal sealed record TrainArguments(string JobFile, string? Cluster, int? Workers, int? Epochs, string? Out, int Silos, string? Device)
{
    /// <summary>The ids to connect to <see cref="Cluster"/> with (see <see cref="ClusterOptions"/>).</summary>
    public string ClusterId { get; init; } = ClusterOptions.DefaultId;

    public string ServiceId { get; init; } = ClusterOptions.DefaultId;

    /// <summary>The client's TLS to <see cref="Cluster"/> (see <see cref="ClusterOptions.Tls"/>); null for plain TCP.</summary>
    public Autograd.Cluster.Client.Connection.ClusterTls? Tls { get; init; }
}
