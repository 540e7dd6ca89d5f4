using System.CommandLine;
using Autograd.Cluster.Cli.Evaluation;

namespace Autograd.Cluster.Cli.Commands;

/// <summary><c>autograd eval job.json model.safetensors</c>: the model's loss and accuracy on the job's test split, computed here.</summary>
internal static class EvalCommand
{
    public static Command Create(CliConsole console)
    {
        var job = new Argument<string>("job") { Description = "The job file the model was trained from (its model and dataset)" };
        var model = new Argument<string>("model") { Description = "The model file (safetensors, as train or download saved it)" };
        var command = new Command("eval", "Evaluate a saved model on the job's test split in this process") { job, model };
        command.SetAction(async (result, ct) =>
        {
            var spec = JobFile.Load(result.GetValue(job)!);
            var evaluation = await Task.Run(() => LocalEvaluator.Evaluate(spec, Path.GetFullPath(result.GetValue(model)!)), ct);
            await console.Out.WriteLineAsync(TrainCommand.Format(evaluation, spec.Loss));
            return ExitCodes.Success;
        });
        return command;
    }
}
