using System.CommandLine;
using System.Text.Json;
using Autograd.Cluster.Cli.Commands;
using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Client.Jobs;
using Autograd.Cluster.Contracts;

namespace Autograd.Cluster.Cli;

/// <summary>
/// The <c>autograd</c> command line: parses, runs one command and turns every failure into one line on the error
/// writer (no stack trace) and a non-zero exit code: <see cref="ExitCodes.BadInput"/> for what the user can fix in
/// the command or the job, <see cref="ExitCodes.Failure"/> for what went wrong while running it.
/// </summary>
public static class CliApp
{
    /// <summary>Runs the command line <paramref name="args"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var root = BuildCommand(console);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // "frobnicate" gives two errors (unrecognized, and no command): the one naming the user's word says more.
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            await console.Error.WriteLineAsync($"autograd: {OneLine(error.Message)} (autograd --help lists the commands)");
            return ExitCodes.BadInput;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception e)
        {
            var (message, code) = Describe(e);
            await console.Error.WriteLineAsync($"autograd: {OneLine(message)}");
            return code;
        }
    }

    /// <summary>The message and exit code for a failure.</summary>
    internal static (string Message, int Code) Describe(Exception e) => e switch
    {
        CliException c => (c.Message, c.ExitCode),
        JobSpecException s => ($"the cluster refused the job: {s.Message}", ExitCodes.BadInput),
        FormatException f => (f.Message, ExitCodes.BadInput),
        JobNotFoundException n => (n.Message, ExitCodes.BadInput),
        TrainingJobFailedException f => (f.Message, ExitCodes.Failure),
        ClusterConnectionException c => (c.Message, ExitCodes.Failure),
        OperationCanceledException => ("interrupted", ExitCodes.Failure),
        JsonException j => (j.Message, ExitCodes.BadInput),
        IOException or UnauthorizedAccessException => (e.Message, ExitCodes.Failure),
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerExceptions[0]),
        _ => ($"{e.GetType().Name}: {e.Message}", ExitCodes.Failure),
    };

    private static RootCommand BuildCommand(CliConsole console)
    {
        var root = new RootCommand("Train neural networks on an Orleans cluster: submit job files, watch them, download and evaluate the models.");
        root.Subcommands.Add(TrainCommand.Create(console));
        root.Subcommands.Add(ClusterCommands.Status(console));
        root.Subcommands.Add(ClusterCommands.List(console));
        root.Subcommands.Add(ClusterCommands.Cancel(console));
        root.Subcommands.Add(ClusterCommands.Download(console));
        root.Subcommands.Add(EvalCommand.Create(console));
        root.Subcommands.Add(SchemaCommand.Create(console));
        return root;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
