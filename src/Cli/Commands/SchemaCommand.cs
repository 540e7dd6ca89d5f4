using System.CommandLine;
using Autograd.Cluster.Client.Serialization;

namespace Autograd.Cluster.Cli.Commands;

/// <summary><c>autograd schema</c>: prints the JSON schema of job files (the one in examples/job.schema.json).</summary>
internal static class SchemaCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("schema", "Print the JSON schema of job files");
        command.SetAction(async (_, _) =>
        {
            await console.Out.WriteAsync(JobJson.ExportSchema());
            return ExitCodes.Success;
        });
        return command;
    }
}
